"""Typed models of every record kind: the one source of truth for the schema."""

from .common import LegalBasis, Repeal
from .negative import Measure, NegativeItem, NegativeList
from .power import POWER_TYPES, PowerItem, PowerList, SubItem
from .registry import Department, LegalSource, Region, RegionList, SourceList
from .regulation import Regulation, RegulationList
from .responsibility import ResponsibilityList
from .site import SiteConfig

__all__ = [
    "POWER_TYPES", "Department", "LegalBasis", "LegalSource", "Measure", "NegativeItem",
    "NegativeList", "PowerItem", "PowerList", "Region", "RegionList", "Regulation",
    "RegulationList", "Repeal", "ResponsibilityList", "SiteConfig", "SourceList", "SubItem",
]
