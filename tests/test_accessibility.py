"""What a keyboard or screen-reader user needs from every page, checked on the HTML itself:
a skip link to the content, and form errors tied to their fields. The browser tests run
axe-core and walk the pages by keyboard."""

import re


def test_every_page_starts_with_a_link_that_skips_to_the_content(client):
    html = client.get("/login").get_data(as_text=True)
    first_link = re.search(r"<body[^>]*>\s*(<a [^>]*>[^<]*</a>)", html).group(1)
    assert 'href="#content"' in first_link and "Bỏ qua đến nội dung" in first_link
    assert re.search(r'<main id="content" tabindex="-1"', html)


def test_a_refused_field_is_marked_and_tied_to_its_message(client):
    html = client.post("/verify", data={"serial": "", "full_name": ""}).get_data(as_text=True)
    field = re.search(r'<input[^>]*id="serial"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field
    described_by = re.search(r'aria-describedby="([^"]+)"', field).group(1).split()
    assert "serial-error" in described_by
    message = re.search(r'<small class="error" id="serial-error">([^<]+)</small>', html).group(1)
    assert message.strip()


def test_a_field_without_error_is_not_marked(client):
    html = client.get("/verify").get_data(as_text=True)
    field = re.search(r'<input[^>]*id="serial"[^>]*>', html).group(0)
    assert "aria-invalid" not in field and "serial-error" not in field
