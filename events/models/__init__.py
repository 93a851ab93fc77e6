from events.models.agreements import Agreement, AgreementParty, PartyAction, Sector
from events.models.countries import Country
from events.models.deletions import Deletion
from events.models.events import Event, EventParticipant
from events.models.officials import Official, Position
from events.models.provenance import Citation, Source
from events.models.trips import Stop, Trip

__all__ = [
    "Agreement",
    "AgreementParty",
    "Citation",
    "Country",
    "Deletion",
    "Event",
    "EventParticipant",
    "Official",
    "PartyAction",
    "Position",
    "Sector",
    "Source",
    "Stop",
    "Trip",
]
