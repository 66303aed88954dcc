"""The reports are reachable: the header and the home page lead the admin to the province
report and a trainer to their district's; a trainee's page leads to their training record."""


def test_the_admin_is_led_to_the_province_report(admin, login):
    client = login(admin)
    html = client.get("/").get_data(as_text=True)
    assert html.count('href="/reports/province"') == 2  # the header and a tile
    assert 'href="/reports/district"' not in html
    assert client.get("/reports/province").status_code == 200


def test_a_trainer_is_led_to_the_district_report(trainer_a, login):
    client = login(trainer_a)
    html = client.get("/").get_data(as_text=True)
    assert html.count('href="/reports/district"') == 2
    assert 'href="/reports/province"' not in html
    assert client.get("/reports/district").status_code == 200


def test_the_trainee_page_links_to_the_record(trainer_a, make_trainee, login):
    trainee = make_trainee()
    html = login(trainer_a).get(f"/trainees/{trainee.id}").get_data(as_text=True)
    assert f'href="/trainees/{trainee.id}/record"' in html
    assert "Chưa tham gia khóa học nào." in login(trainer_a).get(f"/trainees/{trainee.id}/record").get_data(
        as_text=True
    )
