from auditlog.registry import auditlog

from .models import Agency, Membership, Site, User

auditlog.register(Agency)
auditlog.register(Site)
auditlog.register(Membership)
# Password hashes and login times are not history anyone needs to read.
auditlog.register(User, exclude_fields=["password", "last_login", "version"])
