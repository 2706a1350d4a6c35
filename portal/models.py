"""Imports every area's models so the metadata (and Alembic) sees them all."""
from portal.audit.models import AuditChainHead, AuditEvent  # noqa: F401
from portal.auth.models import Role, User  # noqa: F401
from portal.commissioning.models import (  # noqa: F401
    Authority,
    Decision,
    Lot,
    LotZoneRate,
    Membership,
    MembershipChange,
    MembershipZone,
    MinimumStandard,
    PurchasingSystem,
    Question,
    Round,
    Zone,
    ZoneAdmission,
)
from portal.evaluation.models import (  # noqa: F401
    Assignment,
    ConflictDeclaration,
    ModeratedScore,
    ModeratedStandard,
    Score,
    StandardAssessment,
)
from portal.mail.models import OutboxEmail  # noqa: F401
from portal.onboarding.models import (  # noqa: F401
    Answer,
    Application,
    ApplicationLot,
    ApplicationZone,
    Clarification,
    Invitation,
    Organisation,
    OrganisationLocation,
    SentNotice,
    StandardResponse,
    SystemFollow,
)
from portal.publication.models import CallOffListVersion  # noqa: F401
