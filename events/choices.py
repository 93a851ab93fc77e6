"""Every controlled vocabulary of the data model, as TextChoices."""

from django.db import models


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"
    INTERVAL = "interval", "Interval"
    UNSPECIFIED = "unspecified", "Unspecified digits (e.g. 1964-XX-16)"


class DateQualifier(models.TextChoices):
    """EDTF level 1 qualification of a date (or of any part of an interval)."""

    UNCERTAIN = "uncertain", "Uncertain (?): the value may be wrong"
    APPROXIMATE = "approximate", "Approximate (~): about this value"
    BOTH = "uncertain_approximate", "Uncertain and approximate (%)"


class ActorKind(models.TextChoices):
    COUNTRY = "country", "Country or territory (ISO 3166-1)"
    FORMER_COUNTRY = "former_country", "Former country or territory"
    ENTITY = "entity", "Entity without ISO status"
    ORGANISATION = "organisation", "International organisation"


class SuccessionKind(models.TextChoices):
    """How one actor followed another. A date's resolution follows every kind back but absorption."""

    CONTINUATION = "continuation", "Continuation: the successor continues the predecessor (Russia, the USSR)"
    DISSOLUTION = "dissolution", "Dissolution: the predecessor ended, the successor was formed (Czechia)"
    SECESSION = "secession", "Secession: the successor was formed, the predecessor went on (Montenegro)"
    ABSORPTION = "absorption", "Absorption: the predecessor joined an existing successor (the GDR into Germany)"


class DateBasis(models.TextChoices):
    STATED = "stated", "Stated by a source"
    INFERRED = "inferred", "Inferred (e.g. a relative date resolved)"


class EndCause(models.TextChoices):
    """Why a position ended (Wikidata P1534)."""

    TERM_ENDED = "term_ended", "Term ended"
    DIED_IN_OFFICE = "died_in_office", "Died in office"
    RESIGNED = "resigned", "Resigned"
    DISMISSED = "dismissed", "Dismissed"
    RECALLED = "recalled", "Recalled (presented recall)"
    OTHER = "other", "Other"


class AgreementKind(models.TextChoices):
    TREATY = "treaty", "Treaty"
    MEMORANDUM = "memorandum_of_understanding", "Memorandum of understanding"
    COOPERATION_DOCUMENT = "cooperation_document", "Cooperation document"
    CONTRACT = "contract", "Contract"
    PARTNERSHIP = "partnership", "Partnership or roadmap"
    AGREEMENT = "agreement", "Agreement"
    AMENDMENT = "amendment", "Amendment"
    PROTOCOL = "protocol", "Protocol"
    EXCHANGE_OF_NOTES = "exchange_of_notes", "Exchange of notes"
    OTHER = "other", "Other"


class AgreementAmbit(models.TextChoices):
    """How many and which parties an agreement is between, as datasets classify it (manytreaties' TypeAmbit)."""

    BILATERAL = "bilateral", "Bilateral"
    TRILATERAL = "trilateral", "Trilateral"
    MULTILATERAL = "multilateral", "Multilateral"
    REGIONAL = "regional", "Regional"
    INTERREGIONAL = "interregional", "Interregional"
    EXTERNAL = "external", "External"
    INTERMINISTERIAL = "interministerial", "Interministerial"


class AgreementStatus(models.TextChoices):
    SIGNED = "signed", "Signed"
    IN_FORCE = "in_force", "In force"
    TERMINATED = "terminated", "Terminated"
    UNKNOWN = "unknown", "Unknown"


class PartyActionKind(models.TextChoices):
    """A party's own dated step in treaty practice (UN Treaty Collection)."""

    SIGNED = "signed", "Signed"
    RATIFIED = "ratified", "Ratified"
    ACCEPTED = "accepted", "Accepted"
    APPROVED = "approved", "Approved"
    ACCEDED = "acceded", "Acceded"
    ENTERED_INTO_FORCE = "entered_into_force", "Entered into force"
    WITHDRAWN = "withdrawn", "Withdrawn"
    ENDED = "ended", "Ended (for this party, however it ended)"


class EventKind(models.TextChoices):
    MEETING = "meeting", "Meeting"
    STATEMENT = "statement", "Statement"
    ANNOUNCEMENT = "announcement", "Announcement"
    OTHER = "other", "Other"


class ParticipantRole(models.TextChoices):
    SPEAKER = "speaker", "Speaker"
    ANNOUNCER = "announcer", "Announcer"
    VISITOR = "visitor", "Visitor"
    HOST = "host", "Host"
    PARTICIPANT = "participant", "Participant"
    AUDIENCE = "audience", "Audience"
    SUBJECT = "subject", "Subject"


class CameoCode(models.TextChoices):
    """CAMEO event codes that fit diplomatic events (roots 01-06)."""

    MAKE_PUBLIC_STATEMENT = "010", "010 Make public statement"
    EXPRESS_INTENT_TO_MEET = "036", "036 Express intent to meet or negotiate"
    CONSULT = "040", "040 Consult"
    DISCUSS_BY_TELEPHONE = "041", "041 Discuss by telephone"
    MAKE_A_VISIT = "042", "042 Make a visit"
    HOST_A_VISIT = "043", "043 Host a visit"
    MEET_AT_THIRD_LOCATION = "044", "044 Meet at a third location"
    ENGAGE_IN_NEGOTIATION = "046", "046 Engage in negotiation"
    DIPLOMATIC_COOPERATION = "050", "050 Engage in diplomatic cooperation"
    PRAISE_OR_ENDORSE = "051", "051 Praise or endorse"
    SIGN_FORMAL_AGREEMENT = "057", "057 Sign formal agreement"
    COOPERATE_ECONOMICALLY = "061", "061 Cooperate economically"
    JUDICIAL_COOPERATION = "063", "063 Engage in judicial cooperation"


class PloverEventType(models.TextChoices):
    """PLOVER event types (POLECAT) that fit diplomatic events."""

    AGREE = "AGREE", "Agree"
    CONSULT = "CONSULT", "Consult"
    SUPPORT = "SUPPORT", "Support"
    COOPERATE = "COOPERATE", "Cooperate"
    AID = "AID", "Aid"
    REQUEST = "REQUEST", "Request"
    CONCEDE = "CONCEDE", "Concede"


class PloverMode(models.TextChoices):
    VISIT = "visit", "Visit"
    THIRD_PARTY = "third-party", "Third party"
    MULTILATERAL = "multilateral", "Multilateral"
    PHONE = "phone", "Phone"


class SourceKind(models.TextChoices):
    NEWS_REPORT = "news_report", "News report"
    OFFICIAL_STATEMENT = "official_statement", "Official statement"
    DATASET = "dataset", "Dataset (a record in a published dataset)"
    LEGAL_INSTRUMENT = "legal_instrument", "Legal instrument (treaty, act, declaration)"
    OTHER = "other", "Other"


class DyadLink(models.TextChoices):
    """How one record links the two countries of a dyad (events.dyads)."""

    AGREEMENT = "A", "Agreement to which both are parties"
    TRIP_TO = "T", "Trip from the country with a stop in the partner"
    TRIP_FROM = "F", "Trip from the partner with a stop in the country"
    EVENT = "E", "Event in which both take part"
    # a record with many countries is kept as its memberships (partner = the country), paired when read
    WIDE_AGREEMENT = "a", "Party to an agreement with many parties"
    WIDE_EVENT = "e", "Taking part in an event with many countries"
    REPLACED = "r", "A breakdown of this total has both as parties"
