"""The words of a postal address: street types, unit designators, postcodes.

Why lists, not phrasings: an address is found by its grammar (:mod:`.places`), and
the grammar's words are closed sets that postal services publish: the USPS street
suffixes (Publication 28, appendix C1) with their usual abbreviations, the street
types of the UK, Ireland, Canada and Australia, and those said before the street's
name in Europe and Latin America. A word that is also an ordinary noun ("park",
"view", "green") is a *weak* type: it makes an address only with more evidence
around it (see :func:`framekit.privacy.kinds.places.find_addresses`).
"""

from __future__ import annotations

from framekit.privacy.kinds import words

__all__ = [
    "GLUED",
    "HOUSE_HEADS",
    "REGIONS",
    "STREET_FIRST",
    "STRONG",
    "UNIT_BEFORE",
    "UNIT_WORDS",
    "WEAK",
]


STRONG = words(
    """
    street st str strt avenue ave av aven avenu avn avnue road rd boulevard blvd boul lane ln
    drive dr drv court ct crt terrace ter terr circle cir circ crcl parkway pkwy pky parkways
    highway hwy hiway freeway fwy expressway expy expw turnpike tpke trnpk causeway cswy
    crescent cres cresc place pl plaza plz square sq alley aly allee trail trl trails way wy
    row loop path pike route rte mews gardens gdns heights hts ridge rdg cove cv crossing xing
    landing lndg broadway boardwalk esplanade promenade quay parade pde wynd embankment
    close avenida circuit cct grv grove rise crest viaduct underpass overpass throughway
    trafficway skyway stravenue byway bypass byp annex anx arcade blf blfs btm brg byu cyn
    cpe ctr crse cts crk cswy dl expy ext fwy gdn gtwy gln grn hbr hvn holw jct knl lk lndg
    ldg mnr mdw mdws msn mtwy mt mtn orch radl rnch rpd rst shr spg sta strm smt trce trak
    tpke tunl vly vw vlg vis frst frg frk frd fry fld flds flt fls hl hls
    """
)
"""Types that are no other word a caller uses after a count."""
WEAK = words(
    """
    park view green point run pass hill hills field fields walk mall center centre village
    vale valley meadow meadows lake lakes brook creek glen hollow grange common commons
    corner corners drove chase mount manor estate estates spring springs falls mill orchard
    wharf pier bay circus bridge knoll junction harbour harbor haven heath moor wood woods
    dale acres passage ramp spur trace track vista island isle shore shores port station
    summit forest fork ford ferry fort key bend bluff branch brooks burg camp canyon cape
    cliff cliffs club course divide extension flats forge garden gateway inlet lodge motorway
    mountain neck oval plains prairie ranch rapids rest river shoal stream tunnel union
    yard lawn lea end approach link links
    """
)
"""Types that are also nouns ("2 green ones", "3 kids in the park"): weak evidence."""
STREET_FIRST = words(
    """
    rue calle avenida avda chemin allee allée viale piazza corso rua travessa largo carrer
    strada ulica ul aleja al plac pl osiedle os av sráid sraid bóthar bothar ascaill jalan jln
    lorong soi paseo camino carretera
    """
)
"""Types said before the street's name: "15 Rue de la Paix", "ul. Marszałkowska 84",
"calle de alcala" (not "via", "place" or "avenue": "3 via UPS", "12 place settings")."""
GLUED = (
    "straße", "strasse", "str.", "weg", "gasse", "allee", "platz", "damm", "laan", "straat",
    "gracht", "plein", "singel", "vej", "gatan", "vägen", "veien", "gata",
    "katu", "utca",
)  # fmt: skip
"""Street types written as the end of the street's name, before its number:
"Hauptstraße 12", "Keizersgracht 123", "Storgatan 5"."""
UNIT_WORDS = words(
    "flat apt apartment unit suite ste floor fl level lvl room rm bldg building blk block "
    "lot space trlr dept department"
)
"""Unit designators (USPS C2 and their British and Singaporean kin)."""
UNIT_BEFORE = words("flat apt apartment unit suite ste blk block bldg building pmb level lvl")
"""The designators that also come before the house: "Flat 6, 27 Dock Road", "Blk 123 Ang
Mo Kio Ave 3", "Level 2, 14 Martin Place"."""
HOUSE_HEADS = words(
    "cottage cottages house farm farmhouse lodge barn vicarage rectory manse manor hall grange"
    " mill forge granary maltings oast stables bungalow villa dairy smithy croft"
)
"""What a house's name ends with where it has no number ("the old forge, mill lane", "rose
cottage", "apartment nine the maltings"): the heads of British and Irish house names."""
REGIONS = frozenset(
    region.replace("_", " ")
    for region in words(
        "alabama alaska arizona arkansas california colorado connecticut delaware florida"
        " georgia hawaii idaho illinois indiana iowa kansas kentucky louisiana maine maryland"
        " massachusetts michigan minnesota mississippi missouri montana nebraska nevada"
        " new_hampshire new_jersey new_mexico new_york north_carolina north_dakota ohio oklahoma"
        " oregon pennsylvania rhode_island south_carolina south_dakota tennessee texas utah"
        " vermont virginia washington west_virginia wisconsin wyoming ontario quebec alberta"
        " manitoba saskatchewan british_columbia nova_scotia new_brunswick newfoundland"
        " prince_edward_island yukon new_south_wales victoria queensland tasmania"
        " western_australia south_australia"
    )
)
"""The states and provinces said whole after a town (US, Canada, Australia): a closed set
that tells a town of two words that starts with "the" ("the woodlands texas") from the
sentence after an address ("... the blue door")."""
