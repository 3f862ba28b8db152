"""Chinese labels of every field, read from the models' ``title`` (never retyped)."""

from __future__ import annotations

from pydantic import BaseModel

from ..layout import KINDS
from ..model import common, negative, power, registry, regulation, responsibility, site

_MODELS: tuple[type[BaseModel], ...] = (
    common.LegalBasis, common.Repeal,
    power.PowerItem, power.SubItem, power.ResponsibilityStage, power.Origin, power.Adjustment,
    registry.Region, registry.Department, registry.Contact, registry.LegalSource, registry.Publication,
    regulation.Regulation, regulation.Amendment, regulation.Cleanup,
    responsibility.ResponsibilityList, responsibility.MainDuty, responsibility.DutyTask,
    responsibility.Boundary, responsibility.SupervisionRule, responsibility.PublicService,
    negative.NegativeList, negative.NegativeItem, negative.Measure,
    site.SiteConfig, site.Feedback,
)


def field_labels(model: type[BaseModel]) -> dict[str, str]:
    """Field name → Chinese label of one model."""
    return {name: info.title or name for name, info in model.model_fields.items()}


# Model class name → field name → label, e.g. LABELS["PowerItem"]["legal_basis"] == "设定依据".
LABELS: dict[str, dict[str, str]] = {m.__name__: field_labels(m) for m in _MODELS}

# File kind key → the list's name, e.g. LIST_LABELS["powers"] == "权力清单".
LIST_LABELS: dict[str, str] = {kind.key: kind.label for kind in KINDS}
