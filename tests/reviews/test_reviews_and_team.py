import pytest
from django.urls import reverse

from reviews.models import Criterion, CriterionKind, Member, Review, Role


@pytest.mark.django_db
def test_lead_creates_a_review_with_criteria(client, lead):
    client.force_login(lead)
    response = client.post(
        reverse("reviews:create"),
        {
            "title": "Partnerships",
            "question": "Q?",
            "date_from": "1997-01-01",
            "date_to": "2008-06-30",
            "inclusion": "I1 Public health partnership\nI2 Describes the partnership",
            "exclusion": "E1 Outside England\n\nE3: Clinical outcomes only",
        },
    )
    review = Review.objects.get(title="Partnerships")
    assert response.status_code == 302 and response.url == reverse(
        "reviews:detail", args=[review.slug]
    )
    assert Member.objects.get(review=review).role == Role.LEAD
    assert list(review.criteria.values_list("kind", "code", "text")) == [
        (CriterionKind.EXCLUDE, "E1", "Outside England"),
        (CriterionKind.EXCLUDE, "E3", "Clinical outcomes only"),
        (CriterionKind.INCLUDE, "I1", "Public health partnership"),
        (CriterionKind.INCLUDE, "I2", "Describes the partnership"),
    ]


@pytest.mark.django_db
def test_bad_criterion_line_is_named_and_nothing_is_created(client, lead):
    client.force_login(lead)
    response = client.post(
        reverse("reviews:create"),
        {"title": "T", "inclusion": "I1 fine\njust text without a code", "exclusion": ""},
    )
    assert response.status_code == 200
    assert "Inclusion criteria, line 2" in response.content.decode()
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_dates_in_wrong_order_are_refused(client, lead):
    client.force_login(lead)
    response = client.post(
        reverse("reviews:create"),
        {"title": "T", "date_from": "2008-01-01", "date_to": "1997-01-01"},
    )
    assert "before the start date" in response.content.decode()
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_editing_criteria_keeps_rows_whose_code_stays(client, review, lead):
    e1 = Criterion.objects.get(review=review, code="E1")
    client.force_login(lead)
    client.post(
        reverse("reviews:edit", args=[review.slug]),
        {
            "title": "New title",
            "question": "",
            "inclusion": "I1 Partnership",
            "exclusion": "E1 Not England",
        },
    )
    review.refresh_from_db()
    assert review.title == "New title"
    e1.refresh_from_db()
    assert e1.text == "Not England"
    assert set(review.criteria.values_list("code", flat=True)) == {"I1", "E1"}


@pytest.mark.django_db
def test_lead_adds_an_existing_user(client, review, lead, django_user_model):
    django_user_model.objects.create_user(username="third", email="third@example.org")
    client.force_login(lead)
    client.post(
        reverse("reviews:team", args=[review.slug]),
        {"username": "THIRD@example.org", "role": "reviewer"},
    )
    assert review.members.filter(user__username="third", role=Role.REVIEWER).exists()


@pytest.mark.django_db
def test_adding_an_unknown_user_says_so(client, review, lead):
    client.force_login(lead)
    response = client.post(
        reverse("reviews:team", args=[review.slug]), {"username": "nobody", "role": "reviewer"}
    )
    assert "No user named &#x27;nobody&#x27;" in response.content.decode()
    assert review.members.count() == 3


@pytest.mark.django_db
def test_the_last_lead_cannot_leave_or_be_demoted(client, review, lead):
    me = review.members.get(user=lead)
    client.force_login(lead)
    client.post(reverse("reviews:member_role", args=[review.slug, me.pk]), {"role": "reviewer"})
    client.post(reverse("reviews:member_remove", args=[review.slug, me.pk]), {"confirm": "yes"})
    me.refresh_from_db()
    assert me.role == Role.LEAD


@pytest.mark.django_db
def test_lead_promotes_and_removes_members(client, review, lead):
    other = review.members.get(user__username="reviewer")
    client.force_login(lead)
    client.post(reverse("reviews:member_role", args=[review.slug, other.pk]), {"role": "lead"})
    other.refresh_from_db()
    assert other.role == Role.LEAD
    client.post(reverse("reviews:member_remove", args=[review.slug, other.pk]), {"confirm": "yes"})
    assert not review.members.filter(pk=other.pk).exists()


@pytest.mark.django_db
def test_review_list_shows_only_my_reviews(client, review, other_review, reviewer):
    client.force_login(reviewer)
    body = client.get(reverse("reviews:list")).content.decode()
    assert review.title in body and other_review.title not in body


@pytest.mark.django_db
def test_review_list_counts_the_whole_team_and_visible_records(
    client, review, imported_batch, reviewer
):
    client.force_login(reviewer)
    listed = client.get(reverse("reviews:list")).context["reviews"][0]
    assert listed.member_count == 3 and listed.record_count == 2


@pytest.mark.django_db
def test_a_review_titled_new_gets_a_slug_its_url_can_reach(client, lead):
    client.force_login(lead)
    client.post(reverse("reviews:create"), {"title": "New"})
    review = Review.objects.get(title="New")
    assert review.slug != "new"
    assert client.get(reverse("reviews:detail", args=[review.slug])).status_code == 200


@pytest.mark.django_db
def test_a_refused_criteria_edit_saves_nothing(client, review, lead):
    client.force_login(lead)
    response = client.post(
        reverse("reviews:edit", args=[review.slug]),
        {"title": "Changed", "question": "", "inclusion": "I1 A\nI1 B", "exclusion": ""},
    )
    assert "must be unique" in response.content.decode()
    review.refresh_from_db()
    assert review.title == "Partnerships and public health"
