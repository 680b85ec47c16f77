"""Walk the site as every demo login on the configured database (after `fupin demo --no-serve`).

    FUPIN_DATA_DIR=... DATABASE_URL=... .venv/bin/python scripts/crawl_demo.py [username ...]

Prints each finding (see fupin/tests/crawler.py) and exits 1 when there is any.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")


def main() -> int:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    from fupin.demo.people import demo_accounts_create
    from fupin.tests.crawler import choice_codes, walk

    setup_test_environment()
    wanted = sys.argv[1:] or [a.username for a in demo_accounts_create()]
    codes = choice_codes()
    problems = 0
    for username in wanted:
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        result = walk(client, username, codes)
        print(
            f"{username}: {result.pages} pages {dict(sorted(result.statuses.items()))}", flush=True
        )
        for finding in result.findings:
            print(f"  {finding}", flush=True)
        problems += len(result.findings)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
