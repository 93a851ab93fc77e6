from events.models.actors import Actor, Succession
from events.models.agreements import Agreement, AgreementParty, PartyAction, Sector
from events.models.deletions import Deletion
from events.models.dyads import Dyad, DyadRecord
from events.models.events import Event, EventParticipant
from events.models.identifiers import ActorIdentifier, Identifier, IdentifierScheme
from events.models.imports import DatasetImport
from events.models.officials import Official, Position
from events.models.provenance import Citation, Source
from events.models.trips import Stop, Trip

__all__ = [
    "Actor",
    "ActorIdentifier",
    "Agreement",
    "AgreementParty",
    "Citation",
    "DatasetImport",
    "Deletion",
    "Dyad",
    "DyadRecord",
    "Event",
    "EventParticipant",
    "Identifier",
    "IdentifierScheme",
    "Official",
    "PartyAction",
    "Position",
    "Sector",
    "Source",
    "Stop",
    "Succession",
    "Trip",
]
