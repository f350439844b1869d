import re

from django.core import mail

LINK = re.compile(r"https?://\S+")


def links_to(email: str, path_part: str) -> list[str]:
    """Links containing `path_part` in the emails sent to `email`, oldest first."""
    found = []
    for message in mail.outbox:
        if email in message.to:
            found += [link for link in LINK.findall(str(message.body)) if path_part in link]
    return found


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def sign_in_sheet(rows: list[tuple[str, str, str, str]]) -> bytes:
    """A CSV as a sign-in sheet has it: first, last, email, license."""
    lines = ["First Name,Last Name,Email,License #"]
    lines += [",".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode()
