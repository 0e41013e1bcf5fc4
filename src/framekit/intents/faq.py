"""The contact center's FAQ: the shop's topics, and the intent that answers them.

The topics are the keys of the seeded FAQ (``faq_answer(topic)`` returns its
``answer``); each lists how callers ask about it, and its examples also teach
the classifier the ``faq`` intent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from framekit.intents.spec import Intent, SlotSpec, Topic
from framekit.intents.tool_replies import tool_message

__all__ = ["CONTACT_CENTER_TOPICS", "FAQ"]

CONTACT_CENTER_TOPICS: tuple[Topic, ...] = (
    Topic(
        "hours",
        (
            "What are your opening hours?",
            "When do you close today?",
            "Are you open on Saturdays?",
            "What time do you open in the morning?",
            "Is the shop open on Sunday?",
            "How late are you open?",
        ),
        ("hour", "open", "close", "closing", "weekend", "sunday", "holiday"),
    ),
    Topic(
        "returns",
        (
            "How do I return an item?",
            "What's your return policy?",
            "I want to send something back.",
            "I don't want the thing I bought anymore, can I give it back?",
            "How many days do I have to return something?",
            "Can I get my money back if I don't like it?",
        ),
        ("return", "send back", "send it back", "money back"),
    ),
    Topic(
        "exchanges",
        (
            "Can I exchange something for a different size?",
            "The shoes I got don't fit.",
            "The jacket is too small, can I swap it?",
            "I got the wrong colour, can I change it for another one?",
            "What do I do if it doesn't fit?",
            "Can I trade it for a bigger one?",
        ),
        ("exchange", "swap", "fit", "size", "too small", "too big", "colour", "color"),
    ),
    Topic(
        "refunds",
        (
            "How long does a refund take?",
            "When will I get my money back?",
            "I sent my return, where's my refund?",
            "Has my refund been processed?",
            "Does the refund go back on my card?",
        ),
        ("refund",),
    ),
    Topic(
        "shipping",
        (
            "How much is shipping?",
            "How long does delivery take?",
            "Is delivery free?",
            "Do you have express delivery?",
            "What does postage cost?",
            "How fast can you ship something?",
        ),
        ("shipping", "postage", "express", "free delivery", "delivery cost"),
    ),
    Topic(
        "international",
        (
            "Do you ship internationally?",
            "Can you send an order to Canada?",
            "Do you deliver to Europe?",
            "I live abroad, can I still order?",
            "Do you ship outside the US?",
        ),
        ("international", "abroad", "overseas", "canada", "mexico", "europe", "country"),
    ),
    Topic(
        "payment",
        (
            "What payment methods do you accept?",
            "Can I pay with PayPal?",
            "Do you take American Express?",
            "Can I use Apple Pay?",
            "Which cards can I pay with?",
        ),
        ("pay", "card", "paypal", "credit", "debit", "visa", "mastercard", "amex"),
    ),
    Topic(
        "location",
        (
            "Where are you located?",
            "What's the store's address?",
            "Where is the store?",
            "How do I find your shop?",
            "Is there parking near the store?",
        ),
        (
            "address",
            "located",
            "location",
            "where are you",
            "whereabouts",
            "find you",
            "parking",
            "store",
        ),
    ),
    Topic(
        "damaged",
        (
            "My item arrived broken.",
            "The thing I got is damaged.",
            "It stopped working after a week.",
            "Is there a warranty?",
            "The package came crushed and the lamp is cracked.",
            "What do I do if something is faulty?",
        ),
        ("damage", "broken", "broke", "warranty", "faulty", "defect", "cracked", "stopped working"),
    ),
    Topic(
        "order_changes",
        (
            "Can I change the delivery address on my order?",
            "I want to cancel my order.",
            "Can I still change my order?",
            "I put the wrong address, can I fix it?",
            "Is it too late to cancel what I ordered?",
        ),
        (
            "change my order",
            "cancel my order",
            "cancel an order",
            "wrong address",
            "change the address",
        ),
    ),
    Topic(
        "gift_cards",
        (
            "Do you sell gift cards?",
            "Does a gift card expire?",
            "Can I buy a voucher for a friend?",
            "How much can I put on a gift card?",
        ),
        ("gift", "voucher"),
    ),
    Topic(
        "price_match",
        (
            "Do you price match?",
            "I saw it cheaper somewhere else.",
            "Another shop has it for less, will you match it?",
            "The price dropped after I bought it.",
        ),
        ("price match", "cheaper", "lower price", "match"),
    ),
)
"""The shop's FAQ topics (the keys of the seeded FAQ), with how callers ask about them."""


def _faq(context: Mapping[str, Any]) -> str:
    text = tool_message(context)
    if text is not None:
        return text
    return str(context["answer"])


FAQ = Intent(
    "faq",
    (
        "What are your opening hours?",
        "When are you open?",
        "What's your return policy?",
        "How do I return an item?",
        "How much is shipping?",
        "Do you ship internationally?",
        "What payment methods do you accept?",
        "Can I pay with a credit card?",
        "Where are you located?",
        "Are you open on weekends?",
        "How long does a refund take?",
        "I have a question about your policies.",
        "What does delivery cost?",
        "What time do you close?",
        *(example for topic in CONTACT_CENTER_TOPICS for example in topic.examples),
    ),
    slots=(
        SlotSpec(
            "topic",
            "topic",
            "Happy to help. Is it about opening hours, returns or exchanges, refunds, "
            "shipping, payment, damaged items, gift cards or our address?",
        ),
    ),
    tool="faq_answer",
    answer=_faq,
    summary="ask a question about the shop",
    keywords=(
        "hours",
        "open",
        "close",
        "policy",
        "return",
        "refund",
        "pay",
        "cost",
        "price",
        "how much",
        "located",
        "address",
    ),
)
"""A question about the shop: asks which topic when the caller did not say."""
