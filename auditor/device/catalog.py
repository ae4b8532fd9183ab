"""The project-maintained lists of remote-access tools and monitoring products, built into lookup tables."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from auditor.device.names import program_name, words
from auditor.yamlfile import read_yaml, validate_list

DATA = Path(__file__).parent / "data"


class RemoteAccessTool(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=2)
    processes: tuple[str, ...] = Field(min_length=1)


class MonitoringProduct(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=2)
    category: Literal["covert", "workplace"]
    keywords: tuple[str, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Catalog:
    remote_by_process: dict[str, RemoteAccessTool]
    monitoring_by_keyword: dict[str, MonitoringProduct]

    def remote_tool(self, *names: str) -> RemoteAccessTool | None:
        for name in names:
            if name:
                tool = self.remote_by_process.get(program_name(name))
                if tool is not None:
                    return tool
        return None

    def monitoring_product(self, *texts: str) -> MonitoringProduct | None:
        for word in sorted(words(*texts)):
            product = self.monitoring_by_keyword.get(word)
            if product is not None:
                return product
        return None


def load_catalog(folder: Path = DATA) -> Catalog:
    remote = validate_list(RemoteAccessTool, read_yaml(folder / "remote_access.yaml"), what="tools")
    monitoring = validate_list(MonitoringProduct, read_yaml(folder / "monitoring.yaml"), what="products")
    return Catalog(
        remote_by_process={program_name(p): tool for tool in remote for p in tool.processes},
        monitoring_by_keyword={k.lower(): product for product in monitoring for k in product.keywords},
    )


@lru_cache(maxsize=1)
def builtin_catalog() -> Catalog:
    return load_catalog()


__all__ = ["Catalog", "MonitoringProduct", "RemoteAccessTool", "builtin_catalog", "load_catalog", "program_name"]
