from django.core.management.base import BaseCommand

from touchpoints.demo import demo_load


class Command(BaseCommand):
    help = "Create the airline demo (organization, demo login, cycle, ~20,000 ratings). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--ratings", type=int, default=20000, help="How many ratings to generate the first time.")

    def handle(self, *args, **options):
        demo_load(ratings=options["ratings"], stdout=self.stdout.write)
