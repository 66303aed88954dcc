"""A trainer's day on the course screens, mistakes included: enrolment from an office's
list, ticks that survive a refusal, and the messages that keep the trainer moving."""
import io
import re

from openpyxl import Workbook

from training.courses.models import Enrolment
from training.extensions import db

from tests.courses.conftest import enrolled_ids
from tests.helpers import count, page_text


def flashes(page: str) -> list[str]:
    """The flashed messages of a page (role="status" or "alert"), not its standing warnings."""
    return [re.sub(r"\s+", " ", m).strip() for m in re.findall(r'<div class="flash flash-\w+" role="\w+">(.*?)</div>', page, re.S)]


def office_list(codes: list[str]) -> bytes:
    """A list as a commune office writes one: title lines, a blank row, then the header."""
    book = Workbook()
    sheet = book.active
    sheet.append(["UBND HUYỆN YÊN THẾ"])
    sheet.append(["DANH SÁCH CÁN BỘ CỬ ĐI BỒI DƯỠNG"])
    sheet.append([])
    sheet.append(["STT", "Mã cá nhân", "Họ và tên"])
    for number, code in enumerate(codes, 1):
        sheet.append([number, code, ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, course, content: bytes):
    return client.post(f"/courses/{course.id}/enrol/import", data={"file": (io.BytesIO(content), "ds.xlsx")},
                       content_type="multipart/form-data", follow_redirects=True)


# --- 7. enrol from a file -------------------------------------------------------------------

def test_an_office_list_is_read_and_an_updated_list_adds_only_the_new_names(login, trainer_a, make_course, make_trainee):
    course = make_course("CT1")
    first, second, third = make_trainee(), make_trainee(), make_trainee()
    client = login(trainer_a)
    response = upload(client, course, office_list([first.personal_code, second.personal_code]))
    assert flashes(page_text(response)) == ["Đã ghi danh 2 học viên từ tệp."]
    assert enrolled_ids(course) == {first.id, second.id}

    # the office sends the list again with one more name
    response = upload(client, course, office_list([first.personal_code, second.personal_code, third.personal_code]))
    assert flashes(page_text(response)) == ["Đã ghi danh 1 học viên từ tệp.", "Bỏ qua 2 người đã ghi danh khóa học này từ trước."]
    assert enrolled_ids(course) == {first.id, second.id, third.id}


def test_a_bad_row_of_an_office_list_is_named_by_its_spreadsheet_line(login, trainer_a, make_course, make_trainee):
    course = make_course("CT1")
    good = make_trainee()
    response = upload(login(trainer_a), course, office_list([good.personal_code, "SAIMA12345"]))
    page = page_text(response)
    errors = page[page.index('id="import-errors"'):]
    assert '<td class="num">6</td>' in errors and "SAIMA12345" in errors
    assert count(Enrolment, Enrolment.course_id == course.id) == 0


# --- 14. enrolment one by one ---------------------------------------------------------------

def test_a_trainee_of_another_group_gets_no_checkbox_and_a_refusal_keeps_the_ticks(
        login, trainer_a, make_course, make_trainee, make_user, units):
    course = make_course("CT1", capacity=1)
    other_group = make_trainee("Phạm Văn Hưng", group="party_mass_org")
    hoa, hai = make_trainee("Nguyễn Thị Hưng Hoa"), make_trainee("Nguyễn Văn Hưng Hải")
    client = login(trainer_a)
    page = page_text(client.get(f"/courses/{course.id}/enrol?q=hung"))
    assert f'value="{other_group.id}"' not in page and "không thuộc đối tượng của chương trình" in page
    assert f'value="{hoa.id}"' in page
    # two ticks for one place: refused, and both boxes come back ticked
    response = client.post(f"/courses/{course.id}/enrol?q=hung", data={"trainee_ids": [hoa.id, hai.id]})
    page = page_text(response)
    assert "còn 1 chỗ" in page
    assert re.search(rf'value="{hoa.id}"[^>]*checked', page) and re.search(rf'value="{hai.id}"[^>]*checked', page)
    assert enrolled_ids(course) == set()
