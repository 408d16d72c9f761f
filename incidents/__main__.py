from datetime import datetime, timezone

# when the command started, before its imports: texts another process stores from then on were
# "stored by another process" (the imports and the gazetteer take a second; a rival may save meanwhile)
STARTED = datetime.now(timezone.utc)

from .cli import main  # noqa: E402

raise SystemExit(main(started=STARTED))
