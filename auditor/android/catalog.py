"""Project-maintained lists for phones: dual-use apps, app stores, and installers that mean sideloaded."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from auditor.yamlfile import read_yaml, validate_list

DATA = Path(__file__).parent / "data"

APP_STORES = frozenset(
    {
        "com.android.vending",
        "com.amazon.venezia",
        "com.sec.android.app.samsungapps",
        "com.huawei.appmarket",
        "com.xiaomi.market",
        "com.xiaomi.mipicks",
        "com.oppo.market",
        "com.heytap.market",
        "com.bbk.appstore",
        "org.fdroid.fdroid",
        "com.google.android.feedback",
    }
)
BROWSERS = frozenset(
    {
        "com.android.chrome",
        "org.mozilla.firefox",
        "com.sec.android.app.sbrowser",
        "com.opera.browser",
        "com.brave.browser",
        "com.microsoft.emmx",
        "com.UCMobile.intl",
    }
)
FILE_MANAGERS_AND_INSTALLERS = frozenset(
    {
        "com.google.android.packageinstaller",
        "com.android.packageinstaller",
        "com.google.android.documentsui",
        "com.android.documentsui",
        "com.sec.android.app.myfiles",
        "com.mi.android.globalFileexplorer",
        "com.google.android.apps.nbu.files",
        "com.android.shell",
    }
)


class DualUseApp(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=2)
    packages: tuple[str, ...] = Field(min_length=1)
    context: str = Field(min_length=10)


@lru_cache(maxsize=1)
def dual_use_by_package() -> dict[str, DualUseApp]:
    apps = validate_list(DualUseApp, read_yaml(DATA / "dual_use.yaml"), what="apps")
    return {package: app for app in apps for package in app.packages}


def sideload_origin(installer: str | None) -> str | None:
    """How an app got here when it was not from an app store: None when it came from a store."""
    if installer in APP_STORES:
        return None
    if installer is None:
        return "installed from a file or a computer (no app store)"
    if installer in BROWSERS:
        return f"downloaded with a web browser ({installer})"
    if installer in FILE_MANAGERS_AND_INSTALLERS:
        return f"installed from a file ({installer})"
    return f"installed by another app ({installer})"
