"""What the bot says to a caller whose language it does not serve, in that caller's language.

Why a table of fixed sentences: the bot's brain and voice work in English, so the
one thing it can do for a caller who speaks Spanish is tell them, in Spanish, that
the line serves English, and either put them through to a person or invite them to
go on in English. Two short sentences per language, written once and reviewed,
beat a machine translation made during the call (none runs offline here anyway).

Each :class:`Notice` names the espeak-ng voice that reads it. Where espeak-ng
cannot read the script as written, ``spoken`` is what it reads instead: the Debian
espeak-ng reads Mandarin from pinyin (its dictionary has no hanzi) and Japanese from
kana (kanji come out as "Chinese letter"; the particle は is written わ, as it is
said); the call record keeps ``text``.

Keys are the language codes Whisper reports (ISO 639-1: ``"zh"`` is Mandarin).
A language missing from the table gets :data:`ENGLISH_NOTICES`, said by the bot's
own voice.
"""

# The notices are written in their languages' own scripts: fullwidth commas, Cyrillic
# and dotless i are meant.
# ruff: noqa: RUF001

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

__all__ = [
    "DEFAULT_NOTICES",
    "ENGLISH_NOTICES",
    "LanguageNotices",
    "Notice",
    "base_language",
]


@dataclass(frozen=True, slots=True)
class Notice:
    """One thing the bot says in one language, and the voice that says it.

    ``voice`` is an espeak-ng voice name (``None``: the bot's own voice says it);
    ``spoken`` is what that voice reads when it cannot read ``text`` ("": ``text``).
    """

    language: str
    text: str
    voice: str | None = None
    spoken: str = ""

    @property
    def reading(self) -> str:
        """What the voice reads aloud."""
        return self.spoken or self.text


@dataclass(frozen=True, slots=True)
class LanguageNotices:
    """The two notices of a language: the call goes on in English, or a person takes it."""

    stay: Notice
    """Said when the conversation goes on in English (no transfer)."""
    transfer: Notice
    """Said just before the caller is put through to a person."""


def base_language(code: str) -> str:
    """``"es"`` for ``"es"``, ``"es-MX"``, ``"ES_mx"``: the part a notice is chosen by."""
    return code.strip().lower().replace("_", "-").split("-", 1)[0]


def _notices(
    language: str,
    voice: str | None,
    stay: str,
    transfer: str,
    *,
    spoken_stay: str = "",
    spoken_transfer: str = "",
) -> tuple[str, LanguageNotices]:
    return language, LanguageNotices(
        stay=Notice(language, stay, voice, spoken_stay),
        transfer=Notice(language, transfer, voice, spoken_transfer),
    )


ENGLISH_NOTICES: Final = _notices(
    "en",
    None,
    "Sorry, this line serves English only. Please speak English if you can.",
    "Sorry, this line serves English only. I'll put you through to a colleague.",
)[1]
"""For a language without its own notices: the bot's own voice says them."""

_TABLE = (
    _notices(
        "es",
        "es-419",
        "Lo siento, esta línea solo atiende en inglés. Si puede, hable en inglés, por favor.",
        "Lo siento, esta línea solo atiende en inglés. Le paso con un agente.",
    ),
    _notices(
        "fr",
        "fr",
        "Désolé, cette ligne fonctionne uniquement en anglais. "
        "Si possible, parlez anglais, s'il vous plaît.",
        "Désolé, cette ligne fonctionne uniquement en anglais. Je vous transfère à un conseiller.",
    ),
    _notices(
        "de",
        "de",
        "Entschuldigung, diese Leitung ist nur auf Englisch verfügbar. "
        "Bitte sprechen Sie nach Möglichkeit Englisch.",
        "Entschuldigung, diese Leitung ist nur auf Englisch verfügbar. "
        "Ich verbinde Sie mit einem Mitarbeiter.",
    ),
    _notices(
        "it",
        "it",
        "Mi dispiace, questa linea è disponibile solo in inglese. "
        "Se possibile, parli in inglese, per favore.",
        "Mi dispiace, questa linea è disponibile solo in inglese. "
        "La metto in contatto con un operatore.",
    ),
    _notices(
        "pt",
        "pt-br",
        "Desculpe, esta linha atende somente em inglês. Se possível, fale em inglês, por favor.",
        "Desculpe, esta linha atende somente em inglês. "
        "Vou transferir sua ligação para um atendente.",
    ),
    _notices(
        "nl",
        "nl",
        "Sorry, deze lijn is alleen in het Engels beschikbaar. "
        "Spreek alstublieft Engels als dat kan.",
        "Sorry, deze lijn is alleen in het Engels beschikbaar. "
        "Ik verbind u door met een medewerker.",
    ),
    _notices(
        "pl",
        "pl",
        "Przepraszamy, ta linia obsługuje tylko język angielski. "
        "Prosimy mówić po angielsku, jeśli to możliwe.",
        "Przepraszamy, ta linia obsługuje tylko język angielski. Łączymy z konsultantem.",
    ),
    _notices(
        "zh",
        "cmn-latn-pinyin",
        "抱歉，本线路仅提供英语服务。如果可以，请讲英语。",
        "抱歉，本线路仅提供英语服务。我将为您转接人工客服。",
        spoken_stay=(
            "bao4 qian4, ben3 xian4 lu4 jin3 ti2 gong1 ying1 yu3 fu2 wu4. "
            "ru2 guo3 ke3 yi3, qing3 jiang3 ying1 yu3."
        ),
        spoken_transfer=(
            "bao4 qian4, ben3 xian4 lu4 jin3 ti2 gong1 ying1 yu3 fu2 wu4. "
            "wo3 jiang1 wei4 nin2 zhuan3 jie1 ren2 gong1 ke4 fu2."
        ),
    ),
    _notices(
        "hi",
        "hi",
        "क्षमा करें, यह लाइन केवल अंग्रेज़ी में सेवा देती है। हो सके तो कृपया अंग्रेज़ी में बात करें।",
        "क्षमा करें, यह लाइन केवल अंग्रेज़ी में सेवा देती है। आपकी कॉल एक प्रतिनिधि को ट्रांसफ़र की जा रही है।",
    ),
    _notices(
        "ar",
        "ar",
        "عذراً، هذه الخدمة متاحة باللغة الإنجليزية فقط. يرجى التحدث بالإنجليزية إن أمكن.",
        "عذراً، هذه الخدمة متاحة باللغة الإنجليزية فقط. سيتم تحويل مكالمتك إلى أحد الموظفين.",
    ),
    _notices(
        "ru",
        "ru",
        "Извините, эта линия работает только на английском языке. "
        "Пожалуйста, говорите по-английски, если можете.",
        "Извините, эта линия работает только на английском языке. Я соединю вас с оператором.",
    ),
    _notices(
        "ja",
        "ja",
        "申し訳ありません。この回線は英語のみの対応です。可能であれば、英語でお話しください。",
        "申し訳ありません。この回線は英語のみの対応です。担当者におつなぎします。",
        spoken_stay=(
            "もうしわけ ありません。この かいせんわ えいごのみの たいおうです。"
            "かのうで あれば、えいごで おはなし ください。"
        ),
        spoken_transfer=(
            "もうしわけ ありません。この かいせんわ えいごのみの たいおうです。"
            "たんとうしゃに おつなぎ します。"
        ),
    ),
    _notices(
        "ko",
        "ko",
        "죄송합니다. 이 전화는 영어로만 상담이 가능합니다. 가능하시면 영어로 말씀해 주세요.",
        "죄송합니다. 이 전화는 영어로만 상담이 가능합니다. 상담원에게 연결해 드리겠습니다.",
    ),
    _notices(
        "tr",
        "tr",
        "Üzgünüz, bu hat yalnızca İngilizce hizmet vermektedir. Mümkünse lütfen İngilizce konuşun.",
        "Üzgünüz, bu hat yalnızca İngilizce hizmet vermektedir. "
        "Çağrınızı bir temsilciye aktarıyorum.",
    ),
    _notices(
        "uk",
        "uk",
        "Вибачте, ця лінія працює лише англійською мовою. "
        "Будь ласка, говоріть англійською, якщо можете.",
        "Вибачте, ця лінія працює лише англійською мовою. Я з'єдную вас з оператором.",
    ),
    _notices(
        "vi",
        "vi",
        "Xin lỗi, đường dây này chỉ phục vụ bằng tiếng Anh. Nếu có thể, vui lòng nói tiếng Anh.",
        "Xin lỗi, đường dây này chỉ phục vụ bằng tiếng Anh. "
        "Tôi sẽ chuyển cuộc gọi của bạn đến nhân viên hỗ trợ.",
    ),
)

DEFAULT_NOTICES: Final[Mapping[str, LanguageNotices]] = MappingProxyType(dict(_TABLE))
"""Spanish, French, German, Italian, Portuguese (Brazil), Dutch, Polish, Mandarin,
Hindi, Arabic, Russian, Japanese, Korean, Turkish, Ukrainian and Vietnamese."""
