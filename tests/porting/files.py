import os
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
# Real exports (MIT-licensed TypePad blogs and a Japanese sample) live in the shared
# folder beside the repository; they are read in place, never copied in.
REAL_EXPORTS = Path(
    os.environ.get(
        "KIJI_MT_EXPORTS",
        Path(__file__).resolve().parents[3] / "shared" / "data" / "mt-exports",
    )
)
