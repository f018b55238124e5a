"""English dates as the company writes them (ISO 8601), not Django's US default (m/d/Y): the plants' English
readers are in China, Germany, Hungary and Mexico. The other languages keep Django's own formats (de 01.12.2026,
hu 2026.12.01., es 01/12/2026, zh-hans 2026年12月1日); templates name the format (SHORT_DATE_FORMAT), never a
pattern. Everything not set here is Django's English."""

SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y H:i"
