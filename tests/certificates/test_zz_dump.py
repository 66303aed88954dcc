from datetime import date
from pathlib import Path
from training.certificates import services
from training.extensions import db
from .conftest import issue, SIGNER

OUT = Path("/tmp/h21png")


def test_dump(make_finished, trainer_a):
    finished = make_finished(names=["Nguyễn Thị Hương"], gender="female", birth_date=date(1987, 9, 4),
                             position="Công chức Văn hóa - Xã hội")
    [certificate] = issue(finished)
    (OUT / "cert.pdf").write_bytes(certificate.pdf)
    copy = services.issue_copy(certificate, SIGNER, trainer_a.id)
    db.session.commit()
    (OUT / "cert-copy.pdf").write_bytes(copy.pdf)
