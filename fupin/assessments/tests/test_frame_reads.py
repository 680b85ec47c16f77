"""The county frame reads the county's households by their villages' ids (indexed), never by a
match on the joined village code, which scans the whole registry for each county (58 counties of
the Gansu preset: 2.53 M households read 58 times at the draws and again at the results)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from fupin.assessments.services.draws import county_frame
from fupin.regions.models import Level, Region
from fupin.registry.models import Household


def _household_elsewhere() -> Household:
    """A household of 永登县 (620121), another county of the province."""
    county = Region.objects.get(code="620121000000")
    township = Region.objects.create(
        code="620121100000", name="城关镇", level=Level.TOWNSHIP, parent=county
    )
    village = Region.objects.create(
        code="620121100001", name="南关村", level=Level.VILLAGE, parent=township
    )
    return Household.objects.create(
        household_no="6201211000010001", village=village, size=3, income_per_capita=5000
    )


def test_the_frame_holds_the_countys_households_only(household):
    other = _household_elsewhere()
    frame = county_frame(Region.objects.get(code="621126000000"))
    assert frame.household_no.tolist() == [household.household_no]
    assert other.household_no not in frame.household_no.tolist()
    assert frame.village_code.tolist() == ["621126100001"]
    assert frame.at_risk.dtype == bool and not frame.at_risk.any()


def test_the_frame_reads_households_by_their_villages_ids(household):
    _household_elsewhere()
    with CaptureQueriesContext(connection) as queries:
        county_frame(Region.objects.get(code="621126000000"))
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "registry_household"' in q["sql"]]
    assert len(reads) == 1
    assert '"registry_household"."village_id" IN (SELECT' in reads[0]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + reads[0])
            plan = [row[-1] for row in cursor.fetchall()]
        assert not [step for step in plan if step.startswith("SCAN registry_household")], plan
