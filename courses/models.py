"""The course catalog, what each plant, role and station requires, and who may assess what."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# The languages a catalog text is kept in besides English, by the suffix of its field (title_zh, title_de,
# ...): the primary subtag of the page's language (zh-hans -> zh). Empty: the English text is shown.
TEXT_LANGUAGES = ("zh", "de", "hu", "es")


def text_language(language: str | None = None) -> str | None:
    """The field suffix of `language` (default: the active one), None for English or a language without one."""
    primary = (language or get_language() or "").lower().split("-")[0]
    return primary if primary in TEXT_LANGUAGES else None


def translated_fields(field: str) -> list[str]:
    """`field`'s translations: ["title_zh", "title_de", "title_hu", "title_es"] for "title"."""
    return [f"{field}_{suffix}" for suffix in TEXT_LANGUAGES]


def localised(english: str, zh: str = "", de: str = "", hu: str = "", es: str = "") -> str:
    """The text in the page's language when there is one, else the English (titles, names)."""
    translated = {"zh": zh, "de": de, "hu": hu, "es": es}.get(text_language() or "", "")
    return translated or english


def localised_value(source: object, field: str) -> str:
    """`field` of a model instance or a values() row (a dict) in the page's language, else its English."""
    suffix = text_language()
    if isinstance(source, dict):
        return (suffix and source.get(f"{field}_{suffix}")) or source[field]
    return (suffix and getattr(source, f"{field}_{suffix}", "")) or getattr(source, field)


class ProcessArea(models.Model):
    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120, blank=True)
    name_de = models.CharField(_("name (German)"), max_length=120, blank=True, db_default="")
    name_hu = models.CharField(_("name (Hungarian)"), max_length=120, blank=True, db_default="")
    name_es = models.CharField(_("name (Spanish)"), max_length=120, blank=True, db_default="")
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("process area")
        verbose_name_plural = _("process areas")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return localised_value(self, "name")


class DeliveryMode(models.TextChoices):
    CLASSROOM = "classroom", _("Classroom")
    VIRTUAL = "virtual", _("Virtual model / simulation")
    ON_THE_JOB = "on_the_job", _("On the job")
    ELEARNING = "elearning", _("E-learning")


class AssessmentKind(models.TextChoices):
    THEORY = "theory", _("Theory test")
    PRACTICAL = "practical", _("Practical evaluation")


class Level(models.TextChoices):
    """The TWI / ILUO competence levels a passing practical records (DOMAIN.md "Levels (ILUO)"); I, "in
    training", is no recorded level: it is what a person without a pass shows."""

    L = "L", _("L: limited (supervised)")
    U = "U", _("U: unsupervised")
    O = "O", _("O: can train others")  # noqa: E741 (the level's name in the ILUO chart)


# L < U < O; a pass recorded before levels existed (no level) counts as U.
LEVEL_RANK = {Level.L: 1, Level.U: 2, Level.O: 3}


def level_rank(level: str | None) -> int:
    return LEVEL_RANK.get(level or Level.U, 0)


class Course(models.Model):
    code = models.CharField(_("code"), max_length=24, unique=True)
    title = models.CharField(_("title"), max_length=200)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200, blank=True)
    title_de = models.CharField(_("title (German)"), max_length=200, blank=True, db_default="")
    title_hu = models.CharField(_("title (Hungarian)"), max_length=200, blank=True, db_default="")
    title_es = models.CharField(_("title (Spanish)"), max_length=200, blank=True, db_default="")
    description = models.TextField(_("description"), blank=True)
    process_area = models.ForeignKey(
        ProcessArea, on_delete=models.PROTECT, related_name="courses", verbose_name=_("process area")
    )
    version = models.CharField(_("version"), max_length=16, default="1.0")
    delivery_mode = models.CharField(
        _("delivery mode"), max_length=12, choices=DeliveryMode.choices, default=DeliveryMode.CLASSROOM
    )
    duration_hours = models.DecimalField(_("duration (hours)"), max_digits=5, decimal_places=1, default=1)
    needs_theory = models.BooleanField(_("needs theory test"), default=True)
    needs_practical = models.BooleanField(_("needs practical evaluation"), default=False)
    pass_mark = models.PositiveSmallIntegerField(
        _("theory pass mark"), default=80, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    validity_months = models.PositiveSmallIntegerField(
        _("validity (months)"), null=True, blank=True, help_text=_("Empty: never expires")
    )
    safety_critical = models.BooleanField(_("safety-critical"), default=False)
    # The default seats of a planned session of this course (its class size).
    class_size = models.PositiveSmallIntegerField(
        _("class size"),
        default=12,
        db_default=12,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
        help_text=_("Default seats of a planned session"),
    )
    uses_levels = models.BooleanField(
        _("uses levels"),
        default=False,
        db_default=False,
        help_text=_("A practical pass records L, U or O; otherwise every practical pass is U"),
    )
    prerequisites = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="required_by", verbose_name=_("prerequisites")
    )
    owner_plant = models.ForeignKey(
        "employees.Plant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="own_courses",
        verbose_name=_("owner plant"),
        help_text=_("Empty: a company-wide template every plant may use"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.CheckConstraint(
                condition=Q(needs_theory=True) | Q(needs_practical=True), name="course_needs_an_assessment"
            ),
            models.CheckConstraint(condition=Q(pass_mark__gte=0, pass_mark__lte=100), name="course_pass_mark_0_100"),
            models.CheckConstraint(
                condition=Q(validity_months__isnull=True) | Q(validity_months__gte=1),
                name="course_validity_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.display_title}"

    @property
    def display_title(self) -> str:
        return localised_value(self, "title")

    @property
    def is_template(self) -> bool:
        return self.owner_plant_id is None

    @property
    def needed_kinds(self) -> tuple[str, ...]:
        kinds = []
        if self.needs_theory:
            kinds.append(AssessmentKind.THEORY.value)
        if self.needs_practical:
            kinds.append(AssessmentKind.PRACTICAL.value)
        return tuple(kinds)


class RequirementScope(models.TextChoices):
    PLANT = "plant", _("Plant-wide")
    ROLE = "role", _("Job role")
    STATION = "station", _("Station")


class Requirement(models.Model):
    """Course C is required plant-wide, for a job role (optionally at one plant), or for a station.

    An employee's required set is the union of their plant's plant-wide courses,
    their role's courses (company-wide or at their plant) and their primary
    station's courses (DOMAIN.md).
    """

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="requirements", verbose_name=_("course"))
    scope = models.CharField(_("scope"), max_length=8, choices=RequirementScope.choices)
    plant = models.ForeignKey(
        "employees.Plant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="requirements",
        verbose_name=_("plant"),
    )
    role = models.ForeignKey(
        "employees.JobRole",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="requirements",
        verbose_name=_("job role"),
    )
    station = models.ForeignKey(
        "employees.Station",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="requirements",
        verbose_name=_("station"),
    )
    # A database default as well: rows written by code of before this field (a rolling deploy, migration
    # tests at older states) still get U.
    min_level = models.CharField(
        _("minimum level"), max_length=1, choices=Level.choices, default=Level.U, db_default=Level.U
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope="plant", plant__isnull=False, role__isnull=True, station__isnull=True)
                    | Q(scope="role", role__isnull=False, station__isnull=True)
                    | Q(scope="station", station__isnull=False, plant__isnull=True, role__isnull=True)
                ),
                name="requirement_scope_matches_target",
            ),
            models.UniqueConstraint(
                fields=["course", "plant"], condition=Q(scope="plant"), name="requirement_plant_unique"
            ),
            models.UniqueConstraint(
                fields=["course", "role", "plant"],
                condition=Q(scope="role", plant__isnull=False),
                name="requirement_role_at_plant_unique",
            ),
            models.UniqueConstraint(
                fields=["course", "role"],
                condition=Q(scope="role", plant__isnull=True),
                name="requirement_role_company_unique",
            ),
            models.UniqueConstraint(
                fields=["course", "station"], condition=Q(scope="station"), name="requirement_station_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["scope", "plant"], name="requirement_scope_plant"),
            models.Index(fields=["station"], name="requirement_station"),
            models.Index(fields=["role"], name="requirement_role"),
        ]

    def __str__(self) -> str:
        target = {
            RequirementScope.PLANT: lambda: self.plant.code,
            RequirementScope.ROLE: lambda: f"{self.role}" + (f" @ {self.plant.code}" if self.plant_id else ""),
            RequirementScope.STATION: lambda: str(self.station),
        }[RequirementScope(self.scope)]()
        return f"{self.course.code} ← {self.get_scope_display()}: {target}"


class Checklist(models.Model):
    """One revision of a course's practical checklist (DOMAIN.md "Practical checklists").

    A revision that a result uses is frozen: results keep their revision and every item's mark, so an admin
    changes a checklist by publishing the next revision (courses.services.checklist_publish). New results
    use the course's highest revision.
    """

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="checklists", verbose_name=_("course"))
    revision = models.PositiveSmallIntegerField(_("revision"), validators=[MinValueValidator(1)])
    threshold_pct = models.PositiveSmallIntegerField(
        _("pass threshold (%)"),
        default=100,
        validators=[MaxValueValidator(100)],
        help_text=_("Share of the non-critical items that must be OK; every critical item must be OK"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["course__code", "-revision"]
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        constraints = [
            models.UniqueConstraint(fields=["course", "revision"], name="checklist_revision_unique"),
            models.CheckConstraint(condition=Q(revision__gte=1), name="checklist_revision_positive"),
            models.CheckConstraint(condition=Q(threshold_pct__lte=100), name="checklist_threshold_max_100"),
        ]

    def __str__(self) -> str:
        return f"{self.course.code} r{self.revision}"

    def clean(self) -> None:
        if self.course_id and not self.course.needs_practical:
            raise ValidationError({"course": _("This course has no practical evaluation to check.")})


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(
        Checklist, on_delete=models.CASCADE, related_name="items", verbose_name=_("checklist")
    )
    position = models.PositiveSmallIntegerField(_("item"), validators=[MinValueValidator(1)])
    text = models.CharField(_("text"), max_length=300)
    text_zh = models.CharField(_("text (Chinese)"), max_length=300, blank=True)
    critical = models.BooleanField(_("critical"), default=False)

    class Meta:
        ordering = ["checklist", "position"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [
            models.UniqueConstraint(fields=["checklist", "position"], name="checklist_item_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.display_text}"

    @property
    def display_text(self) -> str:
        return localised(self.text, self.text_zh)


class TrainerAuthorisation(models.Model):
    """An admin's word that a user may assess (sign off) a course at a plant (TWI/ILUO)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="trainer_authorisations",
        verbose_name=_("trainer"),
    )
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="trainer_authorisations", verbose_name=_("course")
    )
    plant = models.ForeignKey(
        "employees.Plant", on_delete=models.CASCADE, related_name="trainer_authorisations", verbose_name=_("plant")
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["user__username", "course__code"]
        verbose_name = _("trainer authorisation")
        verbose_name_plural = _("trainer authorisations")
        constraints = [
            models.UniqueConstraint(fields=["user", "course", "plant"], name="trainer_authorisation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.course.code} @ {self.plant.code}"
