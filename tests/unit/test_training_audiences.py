"""Which audiences train which staff: the rule the homeroom, principal and all-teacher coverage share."""

from __future__ import annotations

from runxin.platform.staffing.models import ALL_TEACHER_KINDS, STAFF_KINDS
from runxin.platform.training.models import AUDIENCE_KINDS, AUDIENCES, audiences_for


def test_every_audience_names_known_kinds() -> None:
    assert set(AUDIENCE_KINDS) == set(AUDIENCES)
    assert all(set(kinds) <= set(STAFF_KINDS) for kinds in AUDIENCE_KINDS.values())


def test_each_teacher_kind_has_its_own_training_and_the_common_ones() -> None:
    assert audiences_for("HOMEROOM") == ("HOMEROOM_TEACHERS", "NEW_TEACHERS", "ALL_STAFF")
    assert audiences_for("PRINCIPAL") == ("PRINCIPALS", "NEW_TEACHERS", "ALL_STAFF")
    assert audiences_for("FULL_TIME") == ("MENTAL_HEALTH_TEACHERS", "NEW_TEACHERS", "ALL_STAFF")
    # a subject teacher has no training of its own post: induction or all-staff training
    assert audiences_for("TEACHER") == ("NEW_TEACHERS", "ALL_STAFF")
    # every teacher can be trained somehow (不漏一人); a hired counsellor is no teacher
    assert all(audiences_for(kind) for kind in ALL_TEACHER_KINDS)
    assert audiences_for("HIRED_COUNSELLOR") == ("ALL_STAFF",)


def test_a_principal_is_not_trained_by_homeroom_training() -> None:
    assert "PRINCIPAL" not in AUDIENCE_KINDS["HOMEROOM_TEACHERS"]
    assert "HOMEROOM" not in AUDIENCE_KINDS["PRINCIPALS"]
