from django.contrib import admin

from situations.admin import ListAdmin

from .models import BarrierCategory

admin.site.register(BarrierCategory, ListAdmin)
