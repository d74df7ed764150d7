"""Check that the configured FIELD_ENCRYPTION_KEY reads the ID numbers stored in the database (after a restore,
a key rotation or a move to another server): decrypt a sample and compare each with its keyed digest."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from branches import idnumbers
from branches.models import Member


class Command(BaseCommand):
    help = "Decrypt a sample of stored ID numbers with FIELD_ENCRYPTION_KEY; exit 1 if any does not match."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sample", type=int, default=200, help="how many members to check (default 200)")

    def handle(self, *args: object, **options: object) -> None:
        sample = int(str(options["sample"]))
        rows = list(
            Member.objects.exclude(id_number_encrypted="")
            .order_by("pk")
            .values_list("pk", "id_number_encrypted", "id_number_digest")[:sample]
        )
        unreadable = [
            pk
            for pk, token, digest in rows
            if not (number := idnumbers.decrypt(token)) or idnumbers.digest(number) != digest
        ]
        if unreadable:
            raise CommandError(
                f"FIELD_ENCRYPTION_KEY 无法读取 {len(unreadable)}/{len(rows)} 个身份证号（党员 {unreadable[:5]}…）："
                "请使用备份时的密钥，切勿在密钥不符时使用此数据库。"
                f" FIELD_ENCRYPTION_KEY cannot read {len(unreadable)} of {len(rows)} sampled ID numbers: use the key"
                " the backup was made with."
            )
        self.stdout.write(f"FIELD_ENCRYPTION_KEY ok: {len(rows)} ID numbers decrypted and matched their digests.")
