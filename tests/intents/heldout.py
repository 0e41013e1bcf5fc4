"""Caller phrasings the intent examples never contain, to measure how the engine generalises.

Written to differ from ``CONTACT_CENTER_INTENTS``' examples: other verbs, filler
words, indirect requests, and the lower-case unpunctuated text speech
recognition produces. ``test_heldout.py`` asserts none of them is an example.
"""

from __future__ import annotations

HELDOUT: tuple[tuple[str, str], ...] = (
    # order_status
    ("hi yeah i'm calling to find out what happened to the stuff i bought", "order_status"),
    ("um has anything happened with my purchase from last tuesday", "order_status"),
    ("i placed an order a few days ago and i've heard nothing", "order_status"),
    ("could you tell me whether my order has gone out", "order_status"),
    ("i was wondering if you could check the progress of my order", "order_status"),
    ("what's going on with order four two seven one", "order_status"),
    ("did my order get processed", "order_status"),
    ("I still haven't got the things I ordered", "order_status"),
    ("can you give me an update on my order please", "order_status"),
    ("is my order ready yet", "order_status"),
    # order_tracking
    ("where exactly is my package at the moment", "order_tracking"),
    ("do you know when the parcel is gonna be delivered", "order_tracking"),
    ("i'd like to follow my shipment", "order_tracking"),
    ("what day is the delivery man coming", "order_tracking"),
    ("can you tell me the eta for my parcel", "order_tracking"),
    ("how many more days till my box shows up", "order_tracking"),
    ("has the courier picked up my package yet", "order_tracking"),
    ("is my delivery out for delivery today", "order_tracking"),
    ("give me the tracking details", "order_tracking"),
    ("when can i expect the package to be on my doorstep", "order_tracking"),
    # book_appointment
    ("i was hoping to come in and see someone on thursday", "book_appointment"),
    ("could you pencil me in for next tuesday", "book_appointment"),
    ("i'd love to get an appointment sometime this week", "book_appointment"),
    ("yeah hi i need to see somebody can i set that up", "book_appointment"),
    ("is it possible to arrange a consultation", "book_appointment"),
    ("put me down for an appointment on the third of december", "book_appointment"),
    ("i want to grab a slot with you guys tomorrow at ten", "book_appointment"),
    ("can you fit me in on saturday morning", "book_appointment"),
    ("sign me up for a visit please", "book_appointment"),
    ("i'd like to arrange a time to come by", "book_appointment"),
    # reschedule_appointment
    ("something came up can i switch my appointment to another day", "reschedule_appointment"),
    ("i need to shift my booking to friday instead", "reschedule_appointment"),
    ("could my appointment be moved to later in the week", "reschedule_appointment"),
    ("is it possible to rebook my appointment for a different day", "reschedule_appointment"),
    ("i'd rather come in on monday than wednesday can you update that", "reschedule_appointment"),
    ("my appointment clashes with work can we pick another time", "reschedule_appointment"),
    ("please postpone my appointment by a week", "reschedule_appointment"),
    ("can i do my appointment earlier than planned", "reschedule_appointment"),
    # cancel_appointment
    ("i won't make it on friday so please scrap the appointment", "cancel_appointment"),
    ("get rid of my booking for tomorrow", "cancel_appointment"),
    ("i have to drop my appointment", "cancel_appointment"),
    ("could you delete my reservation", "cancel_appointment"),
    ("i no longer need to come in please take me off the schedule", "cancel_appointment"),
    ("cancel the thing i booked for next week", "cancel_appointment"),
    ("i'm not coming to my appointment anymore", "cancel_appointment"),
    ("i want to cancel", "cancel_appointment"),
    # check_availability
    ("when's the earliest you could see me", "check_availability"),
    ("what slots are still open on tuesday", "check_availability"),
    ("have you got any space on thursday afternoon", "check_availability"),
    ("are there any free times left this week", "check_availability"),
    ("is wednesday free at all", "check_availability"),
    ("what does your schedule look like tomorrow", "check_availability"),
    ("do you have room for me on the fifth", "check_availability"),
    ("which days have gaps for appointments", "check_availability"),
    # faq
    ("what time do you close today", "faq"),
    ("until when are you guys open on saturdays", "faq"),
    ("can i send back something i bought if it doesn't fit", "faq"),
    ("how do refunds work", "faq"),
    ("do you deliver to canada", "faq"),
    ("how much does delivery cost", "faq"),
    ("do you take paypal", "faq"),
    ("is it possible to pay in cash", "faq"),
    ("what's your address", "faq"),
    ("are you open on sunday", "faq"),
    # transfer_to_human
    ("i'd prefer to speak with an actual human being", "transfer_to_human"),
    ("can you connect me to a live agent", "transfer_to_human"),
    ("i don't want to talk to a robot", "transfer_to_human"),
    ("is there anybody real i can speak with", "transfer_to_human"),
    ("please get me a staff member", "transfer_to_human"),
    ("let me talk to your supervisor", "transfer_to_human"),
    ("connect me with customer support", "transfer_to_human"),
    ("i need to speak with someone from your team", "transfer_to_human"),
    # goodbye
    ("ok great that's it for me thanks bye", "goodbye"),
    ("alright cheers take care", "goodbye"),
    ("nothing else thank you so much goodbye", "goodbye"),
    ("i think that covers everything have a good one", "goodbye"),
    ("talk to you later bye bye", "goodbye"),
    ("that was all thanks", "goodbye"),
    # greeting
    ("hiya", "greeting"),
    ("good afternoon", "greeting"),
    ("hey there how's it going", "greeting"),
    ("hello hello can you hear me", "greeting"),
    # affirm
    ("yep that's it", "affirm"),
    ("yeah absolutely", "affirm"),
    ("exactly right", "affirm"),
    ("uh huh that's correct", "affirm"),
    ("perfect do it", "affirm"),
    # deny
    ("nah", "deny"),
    ("no that's not it", "deny"),
    ("nope not at all", "deny"),
    ("no don't", "deny"),
    ("that's incorrect", "deny"),
)
"""(utterance, the intent it means); ``None`` would mean "nothing we cover"."""

HELDOUT_LATE: tuple[tuple[str, str], ...] = (
    ("hello i'm ringing about a delivery that never turned up", "order_status"),
    ("any news on the order i made on monday", "order_status"),
    ("can you see if my order went through", "order_status"),
    ("i'd like an update on order number five five two one nine", "order_status"),
    ("my parcel was supposed to come yesterday where is it now", "order_tracking"),
    ("what's the tracking status of my box", "order_tracking"),
    ("roughly what time will the van get to me", "order_tracking"),
    ("how far away is my package", "order_tracking"),
    ("i'd like to make a reservation for next monday at eleven", "book_appointment"),
    ("can i come see you on the tenth", "book_appointment"),
    ("hi there i'd like to get booked in please", "book_appointment"),
    ("set me up with an appointment for the afternoon", "book_appointment"),
    ("i've got an appointment on friday but i need a different day", "reschedule_appointment"),
    ("could you swap my appointment to next week", "reschedule_appointment"),
    ("can we change my booking from tuesday to thursday", "reschedule_appointment"),
    ("i need to move my slot an hour later", "reschedule_appointment"),
    ("please call off tomorrow's visit", "cancel_appointment"),
    ("i won't be needing my appointment after all", "cancel_appointment"),
    ("cancel everything i have booked", "cancel_appointment"),
    ("what openings do you have on the weekend", "check_availability"),
    ("is there a free slot tomorrow morning", "check_availability"),
    ("when could i get in to see someone next week", "check_availability"),
    ("is saturday available", "check_availability"),
    ("what are your hours on christmas eve", "faq"),
    ("how long do i have to return something", "faq"),
    ("do you charge for delivery", "faq"),
    ("can i pay by bank transfer", "faq"),
    ("where is your shop", "faq"),
    ("put me through to a real person please", "transfer_to_human"),
    ("i want to speak to somebody in charge", "transfer_to_human"),
    ("stop can i just talk to a person", "transfer_to_human"),
    ("i'd like to talk to an employee", "transfer_to_human"),
    ("okay that's everything thanks a lot", "goodbye"),
    ("great thanks so much bye now", "goodbye"),
    ("no that's all for today goodbye", "goodbye"),
    ("good evening", "greeting"),
    ("hello there", "greeting"),
    ("yes that's correct", "affirm"),
    ("sure thing", "affirm"),
    ("no thank you", "deny"),
    ("no that's wrong", "deny"),
)
"""A second held-out set, written after the engine was tuned on :data:`HELDOUT`.

It measured 35/41 with nearest examples alone, the method the engine then had;
adding the softmax layer (chosen on :data:`HELDOUT`) brought it to 39/41.
"""

OUT_OF_SCOPE: tuple[str, ...] = (
    "what's the weather like in paris",
    "can you recommend a good pizza place",
    "my cat keeps sneezing",
    "who won the football last night",
    "tell me a joke",
)
"""Requests no intent covers: the engine must not act on them."""

ORDER_NUMBERS: tuple[tuple[str, str | None], ...] = (
    ("my order number is four two seven one", "4271"),
    ("it's forty two seventy one", "4271"),
    ("order number 4-2-7-1", "4271"),
    ("4271", "4271"),
    ("uh it's 42 71", "4271"),
    ("four oh seven one", "4071"),
    ("double four nine one two", "44912"),
    ("the reference is one two three four five six seven eight", "12345678"),
    ("four thousand two hundred and seventy one", "4271"),
    ("it's order 98765 i think", "98765"),
    ("nine eight seven six five four", "987654"),
    ("order seventy three oh nine", "7309"),
    ("yeah it's five five five triple one", "555111"),
    ("I ordered 2 items and the order number is 31415", "31415"),
    ("twelve thirty four", "1234"),
    ("i don't have it with me", None),
    ("it's 12", None),
    ("one two three four five six seven eight nine", None),
    ("i bought two things", None),
    ("hundred", None),
)
"""(utterance, the order number, or ``None`` when there is no valid 4-8 digit one)."""

NOW = "2026-11-25T15:00"
"""A Wednesday afternoon: every relative date below is resolved against it."""

DATES: tuple[tuple[str, str | None, str | None], ...] = (
    ("next friday at 2 pm", "2026-11-27", "14:00"),
    ("Next Friday at 2 PM.", "2026-11-27", "14:00"),
    ("tomorrow morning", "2026-11-26", "09:00"),
    ("the 3rd of December at half past ten", "2026-12-03", "10:30"),
    ("the third of december at half past ten", "2026-12-03", "10:30"),
    ("in two days", "2026-11-27", None),
    ("in a week", "2026-12-02", None),
    ("december third", "2026-12-03", None),
    ("on monday at noon", "2026-11-30", "12:00"),
    ("friday next week at 9 a.m.", "2026-12-04", "09:00"),
    ("the day after tomorrow at 4", "2026-11-27", "16:00"),
    ("tomorrow at quarter past three", "2026-11-26", "15:15"),
    ("saturday at ten thirty", "2026-11-28", "10:30"),
    ("january 5th at 11am", "2027-01-05", "11:00"),
    ("the twenty first of january", "2027-01-21", None),
    ("this afternoon", "2026-11-25", "14:00"),
    ("tuesday at 14:45", "2026-12-01", "14:45"),
    ("in an hour", "2026-11-25", "16:00"),
    ("thursday evening", "2026-11-26", "18:00"),
    ("at quarter to five on wednesday", "2026-12-02", "16:45"),
    ("on the 30th at 9 in the morning", "2026-11-30", "09:00"),
    ("eight in the evening on saturday", "2026-11-28", "20:00"),
    ("may 4th at 2:30 pm", "2027-05-04", "14:30"),
    ("whenever suits you", None, None),
)
"""(utterance, ISO date or ``None``, ``HH:MM`` or ``None``), relative to :data:`NOW`."""
