"""The newsroom's words in Bulgarian and English: one language at a time, as on the map.

The map keeps its labels in one table per language and switches them all at once
(mapping/static/map.js); the newsroom does the same on the server: each page gets `t`, the
labels of the editor's language. Bulgarian is the default; an editor's choice is kept in
users.language (migration 12).
"""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("bg", "en")
DEFAULT = "bg"

# key -> (Bulgarian, English). Placeholders are filled with str.format.
TEXT: dict[str, tuple[str, str]] = {
    # the switch
    "switch.to": ("English", "Български"),
    "switch.label": ("Switch the newsroom to English", "Превключете редакцията на български"),
    # status values
    "status.new": ("нов", "new"),
    "status.approved": ("одобрен", "approved"),
    "status.rejected": ("отхвърлен", "rejected"),
    "status.irrelevant": ("нерелевантен", "irrelevant"),
    "status.all": ("всички", "all"),
    "counts.new": ("нови", "new"),
    "counts.approved": ("одобрени", "approved"),
    "counts.rejected": ("отхвърлени", "rejected"),
    "counts.irrelevant": ("нерелевантни", "irrelevant"),
    # menu
    "menu.queue": ("Опашка за преглед", "Review queue"),
    "menu.audit": ("Дневник", "Audit log"),
    "menu.users": ("Потребители", "Users"),
    "menu.sources": ("Източници", "Sources"),
    "menu.signout": ("Изход", "Sign out"),
    "menu.signin": ("Вход за редактори", "Editor sign-in"),
    # sign in / out
    "login.title": ("Вход за редактори", "Editor sign-in"),
    "login.username": ("Потребител", "Username"),
    "login.password": ("Парола", "Password"),
    "login.submit": ("Вход", "Sign in"),
    "login.accounts": (
        "Акаунтите се създават от администратор (romareact users add).",
        "Accounts are created by an administrator (romareact users add).",
    ),
    "login.wrong": ("Грешно име или парола.", "Wrong username or password."),
    "login.blocked": (
        "Твърде много неуспешни опита; опитайте отново след 15 минути.",
        "Too many failed attempts; try again in 15 minutes.",
    ),
    "logout.title": ("Изход", "Sign out"),
    # the queue
    "queue.title": ("Опашка за преглед", "Review queue"),
    "queue.too_slow": (
        "Филтърът е твърде широк за този период; стеснете го.",
        "This filter took too long; narrow it down.",
    ),
    "queue.status": ("Статус", "Status"),
    "queue.source": ("Източник", "Source"),
    "queue.province": ("Област", "Province"),
    "queue.category": ("Тема", "Category"),
    "queue.from": ("От", "From"),
    "queue.to": ("До", "To"),
    "queue.text": ("Текст", "Text"),
    "queue.filter": ("Филтър", "Filter"),
    "queue.approve": ("Одобри избраните", "Approve selected"),
    "queue.reason": ("причина за отхвърляне", "reason for rejecting"),
    "queue.reject": ("Отхвърли избраните", "Reject selected"),
    "queue.keys": (
        "Клавиши: j/k движение, x избор, a одобряване, r причина и отхвърляне",
        "Keys: j/k move, x select, a approve, r reason and reject",
    ),
    "queue.all": ("Избери всички", "Select all"),
    "queue.col.title": ("Заглавие", "Title"),
    "queue.col.place": ("Място", "Place"),
    "queue.col.source": ("Източник", "Source"),
    "queue.col.date": ("Дата", "Date"),
    "queue.col.relevance": ("Релевантност", "Relevance"),
    "queue.col.status": ("Статус", "Status"),
    "queue.untitled": ("(без заглавие)", "(untitled)"),
    "queue.report": ("сигнал", "report"),
    "queue.sources": ("{n} източника", "{n} sources"),
    "queue.empty": ("Няма материали.", "Nothing here."),
    "queue.previous": ("← назад", "← previous"),
    "queue.next": ("напред →", "next →"),
    "queue.relevance_help": (
        "Релевантност: колко ясно текстът е за роми (0–1)",
        "Relevance: how clearly the text is about Roma (0–1)",
    ),
    # messages after an action
    "done.approved": ("Одобрени: {n}.", "Approved {n}."),
    "done.approved_unplaced": (
        "Одобрени: {n}; {m} от тях още нямат място и не са на картата.",
        "Approved {n}; {m} of them have no place yet and are not on the map.",
    ),
    "done.rejected": ("Отхвърлени: {n}.", "Rejected {n}."),
    "done.new": ("Върнати за преглед: {n}.", "Reopened {n}."),
    "done.nothing": (
        "Нищо не се промени: вече бяха в това състояние.",
        "Nothing changed: they were so already.",
    ),
    "done.undo": ("Отмени", "Undo"),
    "done.undone": (
        "Отменено: {n} материала са както преди.",
        "Undone: {n} items are as they were.",
    ),
    "done.undo_gone": (
        "Няма какво да се отмени (вече е отменено или променено).",
        "Nothing to undo (undone already, or changed since).",
    ),
    "done.saved": ("Запазено: {fields}.", "Saved: {fields}."),
    "done.saved_nothing": ("Нищо не се промени.", "Nothing changed."),
    "done.relocated": ("Мястото е {place} ({province}).", "The place is now {place} ({province})."),
    "done.pinned": (
        "Поставена точка в {place} ({province}).",
        "Pin dropped in {place} ({province}).",
    ),
    "done.merged": (
        "Обединени: {n} материала вече са една история; събитието запазва „{title}“, {place}.",
        "Merged: {n} items are now one story; the event keeps “{title}”, {place}.",
    ),
    "done.split": (
        "Материалът е отделен в собствено събитие.",
        "The item is now an event of its own.",
    ),
    "done.error": ("Не е направено: {error}", "Not done: {error}"),
    "done.language": ("Редакцията е на български.", "The newsroom is now in English."),
    # fields named in "Saved: …"
    "field.category": ("тема", "category"),
    "field.tags": ("етикети", "tags"),
    "field.public_title": ("публично заглавие", "public title"),
    "field.public_excerpt": ("публичен откъс", "public excerpt"),
    "field.sensitive": ("чувствително", "sensitive"),
    "field.unpublished": ("скрито от картата", "hidden from the map"),
    # the item page
    "item.back": ("← опашка", "← queue"),
    "item.status": ("статус", "status"),
    "item.original": ("оригинал", "original"),
    "item.report": ("Сигнал от читател ({lang}).", "Community report ({lang})."),
    "item.contact": ("Контакт (само за редактори)", "Contact (editors only)"),
    "item.typed_place": ("Място според подателя", "Place as the reporter typed it"),
    "item.decision": ("Решение", "Decision"),
    "item.approve": ("Одобри", "Approve"),
    "item.reason": ("причина", "reason"),
    "item.reject": ("Отхвърли", "Reject"),
    "item.reopen": ("Върни за преглед", "Reopen"),
    "item.place": ("Място", "Place"),
    "item.chosen": ("Избрано", "Chosen"),
    "item.none": ("няма", "none"),
    "item.unsure": ("Несигурно място", "Unsure place"),
    "item.unsure_primary": ("не се публикува без преглед", "not published unreviewed"),
    "item.unsure_other": ("споменато място", "a mentioned place"),
    "item.primary": ("основно", "primary"),
    "item.weighed": ("претеглени", "weighed"),
    "item.pick": ("Изберете вярното място по-долу.", "Pick the right place below."),
    "item.map_help": (
        "Кликнете върху картата, за да поставите точка.",
        "Click the map to drop a pin.",
    ),
    "item.pin": ("Постави точка", "Drop pin"),
    "item.namesakes": ("Съименници и споменати места:", "Namesakes and mentioned places:"),
    "item.quarter": ("квартал", "quarter"),
    "item.search_place": ("търсене в справочника", "search the gazetteer"),
    "item.search": ("Търси", "Search"),
    "item.found_none": ("Няма", "None"),
    "item.event": ("Събитие", "Event"),
    "item.ev_unpublished": ("скрито от публичната карта", "hidden from the public map"),
    "item.ev_approved": ("одобрено, на публичната карта", "approved, on the public map"),
    "item.ev_unreviewed": ("непроверено", "unreviewed"),
    "item.no_event": ("Още няма събитие: одобрете материала.", "No event yet: approve the item."),
    "item.no_event_unplaced": (
        "Одобрен, но още не е на картата: няма място. Изберете място по-горе.",
        "Approved, but not on the map yet: it has no place. Choose one above.",
    ),
    "item.no_event_rejected": ("Отхвърлен: няма публично събитие.", "Rejected: no public event."),
    "item.category": ("Тема", "Category"),
    "item.tags": ("Етикети (разделени със запетая)", "Tags (comma-separated)"),
    "item.public_title": ("Публично заглавие", "Public title"),
    "item.public_excerpt": ("Публичен откъс", "Public excerpt"),
    "item.sensitive": (
        "Чувствително: само селището, без точно място",
        "Sensitive: settlement only",
    ),
    "item.unpublish": ("Скрий от публичната карта", "Hide from the public map"),
    "item.save": ("Запази", "Save"),
    "item.story_items": ("Материали в тази история:", "Items of this story:"),
    "item.split": ("Отдели в отделно събитие", "Split into its own event"),
    "item.merge": ("Обединяване", "Merge"),
    "item.merge_candidates": ("Вероятно същата история:", "Likely the same story:"),
    "item.merge_none": ("Няма близки материали.", "No likely matches."),
    "item.compare": ("Сравни и обедини", "Compare and merge"),
    "item.merge_ids": ("Друг материал (ID)", "Another item (ID)"),
    "item.merge_open": ("Сравни", "Compare"),
    # why a candidate is offered
    "why.text": ("сходен текст {p}%", "similar text {p}%"),
    "why.title": ("сходно заглавие {p}%", "similar title {p}%"),
    "why.place": ("същото място", "same place"),
    "why.days": ("{n} дни разлика", "{n} days apart"),
    "why.same_day": ("същия ден", "same day"),
    # the merge page
    "merge.title": ("Обединяване на истории", "Merge stories"),
    "merge.this": ("Тази история", "This story"),
    "merge.that": ("Другата история", "The other story"),
    "merge.field": ("Поле", "Field"),
    "merge.keep": ("Събитието запазва", "The event keeps"),
    "merge.f.title": ("Заглавие", "Title"),
    "merge.f.place": ("Място", "Place"),
    "merge.f.date": ("Дата", "Date"),
    "merge.f.source": ("Източници", "Sources"),
    "merge.f.category": ("Тема", "Category"),
    "merge.f.status": ("Статус", "Status"),
    "merge.f.text": ("Начало на текста", "Opening of the text"),
    "merge.warn_province": (
        "Внимание: различни области ({a} и {b}). Сигурни ли сте, че е една история?",
        "Warning: different provinces ({a} and {b}). Are you sure this is one story?",
    ),
    "merge.warn_place": (
        "Внимание: различни места ({a} и {b}).",
        "Warning: different places ({a} and {b}).",
    ),
    "merge.warn_days": (
        "Внимание: датите се различават с {n} дни.",
        "Warning: the dates are {n} days apart.",
    ),
    "merge.warn_noplace": (
        "Внимание: едната история няма място.",
        "Warning: one story has no place.",
    ),
    "merge.submit": ("Обедини", "Merge"),
    "merge.cancel": ("Откажи", "Cancel"),
    "merge.same": ("Тези материали вече са една история.", "These items are one story already."),
}
_INDEX = {lang: i for i, lang in enumerate(LANGUAGES)}


def language(value: str | None) -> str:
    """A known language code, else the default."""
    return value if value in LANGUAGES else DEFAULT


def translator(lang: str) -> Callable[..., str]:
    """`t(key, **values)`: the label in `lang`, its placeholders filled."""
    index = _INDEX[language(lang)]

    def t(key: str, **values) -> str:
        label = TEXT[key][index]
        return label.format(**values) if values else label

    return t


def status_label(status: str | None, lang: str) -> str:
    """A status value ("new") in words of the language; unknown values as they are."""
    key = f"status.{status}"
    return TEXT[key][_INDEX[language(lang)]] if key in TEXT else (status or "")
