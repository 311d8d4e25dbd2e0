"""The official SDK, imported when a test first needs it (seconds: never at collection, in every worker).

On import the SDK starts a thread that watches the folder of ~/.genesyscloudpython/config; when that folder does
not exist it watches the nearest parent that does, recursively: the whole home folder, with an inotify watch on
every folder under it (about 6 s here). The tests import it with HOME pointed at an empty folder that has the
SDK's own, so that it watches that one empty folder and nothing of the person's."""
import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest


def sdk():
    import sys

    if "PureCloudPlatformClientV2" in sys.modules:
        return sys.modules["PureCloudPlatformClientV2"]
    home = Path(tempfile.mkdtemp(prefix="diag-sdk-home-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    (home / ".genesyscloudpython").mkdir()
    old = os.environ.get("HOME")
    os.environ["HOME"] = str(home)
    try:
        return pytest.importorskip("PureCloudPlatformClientV2")
    finally:
        if old is None:
            os.environ.pop("HOME", None)
        else:
            os.environ["HOME"] = old
