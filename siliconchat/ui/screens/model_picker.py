"""The model picker (F2): type to filter the account's chat models, favourites first.

Bindings (while the filter input has focus):

| key | action |
|---|---|
| up / down, pageup / pagedown | move the highlight in the list |
| enter | use the highlighted model (or the id typed in the filter) |
| ctrl+t | mark / unmark the highlighted model as a favourite |
| space | mark / unmark the highlighted model for a comparison (model ids have no spaces) |
| escape | close without changing the model |

With 2 to 4 models marked, Enter compares the prompt on them (the picker dismisses with the tuple of their
ids); opened for a comparison (F8), the last comparison's models come marked and Enter compares.

Model ids come from the server and are untrusted: they are sanitized and rendered as
``Content``, never as markup.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from siliconchat.core.compare import MAX_MODELS, MIN_MODELS
from siliconchat.core.errors import ApiFailure
from siliconchat.core.models import Thinking, thinking_of
from siliconchat.core.sanitize import sanitize_line
from siliconchat.ui.keymap import key_label
from siliconchat.ui.widgets.closing_input import ClosingInput

__all__ = ["ModelPickerScreen", "filter_models"]

_STAR = "★"
_MARK = "✓"
_CURRENT = "●"
_ID_LIMIT = 120  # a model id longer than this is shown shortened
_OPTION_CACHE_SIZE = 20_000

_FAMILY_TAG = {Thinking.HYBRID: "hybrid", Thinking.ALWAYS: "thinks", Thinking.NEVER: ""}
_FAMILY_HINT = {
    Thinking.HYBRID: "hybrid thinking: thinks unless switched off in the settings",
    Thinking.ALWAYS: "thinks: a reasoning model, always shows its reasoning",
    Thinking.NEVER: "answers directly, no reasoning phase",
}


def _subsequence_positions(needle: str, haystack: str) -> list[int] | None:
    """Positions of ``needle``'s characters appearing in order in ``haystack`` (both lower case)."""
    positions: list[int] = []
    start = 0
    for char in needle:
        found = haystack.find(char, start)
        if found < 0:
            return None
        positions.append(found)
        start = found + 1
    return positions


_Match = tuple[str, list[tuple[int, int]]]


def filter_models(query: str, ids: Sequence[str]) -> list[_Match]:
    """The ids matching ``query``, each with the (start, end) spans to highlight.

    Case-insensitive. Ids containing every word of the query come first, in their given order;
    then ids containing the query's letters in order (fuzzy), in their given order.
    An empty query matches everything.
    """
    exact, fuzzy = _match(query, ids)
    return exact + fuzzy


def _match(query: str, ids: Sequence[str]) -> tuple[list[_Match], list[_Match]]:
    """(substring matches, fuzzy-only matches) of ``query`` among ``ids``."""
    words = query.lower().split()
    if not words:
        return [(model, []) for model in ids], []
    compact = "".join(words)
    exact: list[_Match] = []
    fuzzy: list[_Match] = []
    for model in ids:
        lower = model.lower()
        spans: list[tuple[int, int]] = []
        for word in words:
            at = lower.find(word)
            if at < 0:
                break
            spans.append((at, at + len(word)))
        else:
            exact.append((model, spans))
            continue
        positions = _subsequence_positions(compact, lower)
        if positions is not None:
            fuzzy.append((model, [(p, p + 1) for p in positions]))
    return exact, fuzzy


class _ModelList(OptionList, can_focus=False):
    """The list under the filter: it never takes focus, the filter input keeps it."""


class ModelPickerScreen(ModalScreen[str | tuple[str, ...] | None]):
    """Pick the model for the next turn, or the models to compare. Dismisses with the model id, the ids of
    the models marked for a comparison (a tuple), or ``None`` on Escape."""

    CSS_PATH = "../styles/screens.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", id="model_picker.close"),
        Binding("ctrl+t", "toggle_favourite", "Favourite", id="model_picker.favourite"),
        # the filter input handles space (in the order the keys were typed; a model id has no space): this
        # binding names it in the hint and the help, and lets a keymap move it to another key
        Binding("space", "toggle_mark", "Mark", id="model_picker.mark"),
        Binding("up", "cursor('up')", "Up", show=False),
        Binding("down", "cursor('down')", "Down", show=False),
        Binding("pageup", "cursor('page_up')", "Page up", show=False),
        Binding("pagedown", "cursor('page_down')", "Page down", show=False),
    ]

    def __init__(
        self,
        models: list[str] | None,
        *,
        current: str,
        favourites: Sequence[str],
        load_models: Callable[[], Awaitable[list[str]]] | None,
        toggle_favourite: Callable[[str], None],
        marked: Sequence[str] | None = None,
    ) -> None:
        super().__init__()
        self._compare = marked is not None  # opened to compare: Enter compares the marked models
        self._marked: list[str] = list(dict.fromkeys(marked or ()))[:MAX_MODELS]
        self._current = current
        self._favourites: list[str] = list(dict.fromkeys(favourites))
        self._load_models = load_models
        self._toggle_favourite = toggle_favourite
        self._models: list[str] = []
        self._loading = models is None and load_models is not None
        self._error: str | None = None
        self._shown: list[str] = []  # the model id of each option, by index
        self._typed: str | None = None  # the option "use this id" offers this id, if any
        self._query = ""  # the filter's text the list shows the matches of
        self._base_order: list[str] = []
        self._options_cache: dict[tuple[str, tuple[tuple[int, int], ...], bool, bool], Option] = {}
        self._set_models(models or [])

    # -- data ---------------------------------------------------------------------------

    def _set_models(self, models: Sequence[str]) -> None:
        self._models = list(dict.fromkeys(m for m in models if m))
        self._rebuild_base_order()

    def _rebuild_base_order(self) -> None:
        """Favourites first (in the user's order), then every other id sorted (case-insensitively).

        Favourites and the current model are listed even when the server's list lacks them
        (not loaded yet, failed, or the model was retired): any id is allowed.
        """
        favourites = set(self._favourites)
        rest = {m for m in self._models if m not in favourites}
        if self._current and self._current not in favourites:
            rest.add(self._current)
        self._base_order = [*self._favourites, *sorted(rest, key=lambda m: (m.lower(), m))]

    # -- compose ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-dialog", classes="dialog") as dialog:
            dialog.border_title = "Compare models: mark 2 to 4" if self._compare else "Choose a model"
            yield ClosingInput(
                placeholder="Type to filter, or type any model id",
                id="picker-filter",
                on_enter=self._choose,
                # Marks and moves in the order typed: as screen bindings, a quick "↓ space" marked the model
                # the highlight left (the binding ran after the input had handled the space).
                on_keys={
                    "space": self._mark_typed,
                    "up": self._move_typed("up"),
                    "down": self._move_typed("down"),
                    "pageup": self._move_typed("page_up"),
                    "pagedown": self._move_typed("page_down"),
                },
            )
            yield _ModelList(id="picker-list", markup=False)
            yield Static(id="picker-status", markup=False)
            yield Static(id="picker-family", markup=False)
            yield Static(self._keys_hint(), id="picker-keys", classes="hint", markup=False)

    def _keys_hint(self) -> Content:
        parts: list[str | tuple[str, str]] = []
        favourite, close, mark = (
            key_label(self.app, ModelPickerScreen, f"model_picker.{name}")
            for name in ("favourite", "close", "mark")
        )
        keys = [("↑↓", "move"), ("enter", "choose"), (mark, "mark to compare"), (favourite, "favourite")]
        if self._compare:
            keys = [("↑↓", "move"), (mark, "mark"), ("enter", "compare"), (favourite, "favourite")]
        for key, what in (*keys, (close, "close")):
            if parts:
                parts.append("  ")
            parts.extend([(key, "bold $accent"), " ", what])
        return Content.assemble(*parts)

    def on_mount(self) -> None:
        self._refresh_list(highlight_current=True)
        self._refresh_status()
        self.query_one("#picker-filter", Input).focus()
        if self._loading and self._load_models is not None:
            self.run_worker(self._load(self._load_models), group="model_picker", exclusive=True)

    async def _load(self, load_models: Callable[[], Awaitable[list[str]]]) -> None:
        try:
            models = await load_models()
        except ApiFailure as exc:
            self._error = exc.failure.message
        except Exception as exc:  # never let a worker error take the app down
            self._error = f"Could not load the model list: {type(exc).__name__}: {exc}"
        else:
            self._set_models(models)
        self._loading = False
        self._refresh_list(highlight_current=not self.query_one("#picker-filter", Input).value.strip())
        self._refresh_status()

    # -- rendering ----------------------------------------------------------------------

    def _prompt(self, model: str, spans: Sequence[tuple[int, int]]) -> Content:
        shown = sanitize_line(model)
        name = Content(shown)
        if shown == model:  # highlight positions are only valid on the unchanged text
            for start, end in spans:
                name = name.stylize("bold $text-accent underline", start, end)
        name = name.truncate(_ID_LIMIT, ellipsis=True)
        favourite = model in self._favourites
        tag = _FAMILY_TAG[thinking_of(model)]
        marks = self._compare or bool(self._marked)  # a column of marks, once marking began
        return Content.assemble(
            ((f"{_MARK} " if model in self._marked else "  ") if marks else "", "bold $text-success"),
            (f"{_STAR} " if favourite else "  ", "$text-warning"),
            (f"{_CURRENT} " if model == self._current else "  ", "$text-success"),
            name,
            ("  " + tag, "dim italic") if tag else "",
        )

    def _option(self, model: str, spans: list[tuple[int, int]]) -> Option:
        """The list's option for ``model``, reused while nothing about it changes: an option keeps
        its rendered text and measured height, so retyping or deleting a letter costs almost nothing."""
        key = (model, tuple(spans), self._compare or bool(self._marked), model in self._marked)
        option = self._options_cache.get(key)
        if option is None:
            if len(self._options_cache) > _OPTION_CACHE_SIZE:
                self._options_cache.clear()
            option = self._options_cache[key] = Option(self._prompt(model, spans))
        return option

    def _typed_prompt(self, typed: str) -> Content:
        return Content.assemble(
            ("  ↵ ", "$text-accent"),
            ("use the id ", "dim"),
            (sanitize_line(typed, _ID_LIMIT), "bold"),
            (" as typed", "dim"),
        )

    def _refresh_list(self, *, highlight_current: bool = False) -> None:
        option_list = self.query_one("#picker-list", _ModelList)
        query = self.query_one("#picker-filter", Input).value
        self._query = query
        exact, fuzzy = _match(query, self._base_order)
        matches = exact + fuzzy
        typed = query.strip()
        has_exact = bool(exact)
        # Offer the text itself as an id when nothing contains it, or when it looks like a full id
        # (``org/name``) that is not in the list: any id is allowed, the server decides.
        offer_typed = (
            bool(typed)
            and " " not in typed
            and typed not in self._base_order
            and (not has_exact or "/" in typed)
        )
        options: list[Option] = [self._option(m, spans) for m, spans in matches]
        shown = [m for m, _ in matches]
        self._typed = typed if offer_typed else None
        if offer_typed:
            typed_option = Option(self._typed_prompt(typed))
            if has_exact:  # real matches first, the literal id last
                options.append(typed_option)
                shown.append(typed)
            else:  # nothing contains the text: the literal id is the likely intent
                options.insert(0, typed_option)
                shown.insert(0, typed)
        self._shown = shown
        option_list.set_options(options)
        if shown:
            index = 0
            if (highlight_current or not query.strip()) and self._current in shown:
                index = shown.index(self._current)
            elif typed in self._base_order:  # a whole id typed: that one, not the first that contains it
                index = shown.index(typed)
            # else the first match: part of an id typed ("demo/s") highlights it, not "use the id as typed"
            option_list.highlighted = index
        self._refresh_family()
        self._refresh_count(len(matches))

    def _refresh_count(self, matched: int) -> None:
        dialog = self.query_one("#picker-dialog", Vertical)
        total = len(self._base_order)
        counted = f"{matched} of {total}" if matched != total else f"{total} models"
        if self._marked or self._compare:
            counted = f"{len(self._marked)} marked · {counted}"
        dialog.border_subtitle = counted

    def _refresh_status(self) -> None:
        status = self.query_one("#picker-status", Static)
        status.set_class(False, "-error", "-loading")
        if self._loading:
            status.update(Content("Loading the account's models… (you can type any id meanwhile)"))
            status.add_class("-loading")
        elif self._error is not None:
            status.update(Content.assemble(("✖ ", "bold"), sanitize_line(self._error)))
            status.add_class("-error")
        else:
            status.update(Content())
        status.display = self._loading or self._error is not None

    def _refresh_family(self) -> None:
        family = self.query_one("#picker-family", Static)
        model = self._highlighted_model()
        if self._marked or self._compare:
            family.update(self._marked_line())
            return
        if model is None:
            family.update(Content.styled("No model matches: type a full model id to use it.", "dim"))
            return
        kind = thinking_of(model)
        marks = []
        if model == self._current:
            marks.append("current")
        if model in self._favourites:
            marks.append("favourite")
        family.update(
            Content.assemble(
                ("◆ ", "$text-accent"),
                (_FAMILY_HINT[kind], ""),
                (f"  ({', '.join(marks)})" if marks else "", "dim"),
            )
        )

    def _marked_line(self) -> Content:
        """The models marked for a comparison, in order, and what Enter does with them."""
        if not self._marked:
            return Content.styled(f"Mark {MIN_MODELS} to {MAX_MODELS} models to compare (space).", "dim")
        names = ", ".join(sanitize_line(m, 60) for m in self._marked)
        if len(self._marked) < MIN_MODELS:
            todo = f"mark {MIN_MODELS - len(self._marked)} more to compare"
        else:
            todo = "enter compares them"
        return Content.assemble((f"{_MARK} ", "bold $text-success"), names, (f"  ({todo})", "dim"))

    def _highlighted_model(self) -> str | None:
        highlighted = self.query_one("#picker-list", _ModelList).highlighted
        if highlighted is None or not 0 <= highlighted < len(self._shown):
            return None
        return self._shown[highlighted]

    # -- events and actions -------------------------------------------------------------

    @on(Input.Changed, "#picker-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        # The filter as it is now, not as the message says: keys typed in a burst send their changes after the
        # moves and marks that followed them (handled in order by the input), and the list, already brought up
        # to date by those, must not be filtered again (its highlight went back to the first row).
        filter_input = self.query_one("#picker-filter", ClosingInput)
        if filter_input.value != self._query and not filter_input.closed:
            self._refresh_list()

    @on(OptionList.OptionHighlighted, "#picker-list")
    def _option_highlighted(self) -> None:
        self._refresh_family()

    @on(OptionList.OptionSelected, "#picker-list")
    def _option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose()

    def _choose(self, query: str | None = None) -> bool:
        """Use the highlighted model (or the id typed in the filter, ``query`` when given), or compare the
        marked ones: whether it closed."""
        if query is not None and query != self._query:
            self._refresh_list()  # Enter came before the list caught up with the last keys typed
        if len(self._marked) >= MIN_MODELS:
            self.dismiss(tuple(self._marked))
            return True
        if self._compare:
            self.app.bell()
            self.notify(
                f"Mark {MIN_MODELS} to {MAX_MODELS} models to compare (space marks the highlighted one).",
                severity="warning",
                markup=False,
            )
            return False
        model = self._highlighted_model()
        if model is None:
            typed = self.query_one("#picker-filter", Input).value.strip()
            model = typed or None
        if model is None:
            self.app.bell()
            return False
        self.dismiss(model)
        return True

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_cursor(self, where: str) -> None:
        option_list = self.query_one("#picker-list", _ModelList)
        if where == "up":
            option_list.action_cursor_up()
        elif where == "down":
            option_list.action_cursor_down()
        elif where in ("page_up", "page_down") and option_list.option_count:
            page = max(1, option_list.scrollable_content_region.height - 1)
            current = option_list.highlighted or 0
            step = -page if where == "page_up" else page
            option_list.highlighted = max(0, min(option_list.option_count - 1, current + step))

    def _move_typed(self, where: str) -> Callable[[str], None]:
        def move(query: str) -> None:
            if query != self._query:
                self._refresh_list()  # the key came before the list caught up with the last keys typed
            self.action_cursor(where)

        return move

    def _mark_typed(self, query: str) -> None:
        if query != self._query:
            self._refresh_list()  # the space came before the list caught up with the last keys typed
        self.action_toggle_mark()

    def action_toggle_mark(self) -> None:
        """Mark the highlighted model for a comparison, or unmark it."""
        model = self._highlighted_model()
        if model is None:
            self.app.bell()
            return
        if model in self._marked:
            self._marked.remove(model)
        elif len(self._marked) >= MAX_MODELS:
            self.app.bell()
            self.notify(f"A comparison takes at most {MAX_MODELS} models.", severity="warning", markup=False)
            return
        else:
            self._marked.append(model)
        option_list = self.query_one("#picker-list", _ModelList)
        highlighted = option_list.highlighted
        self._refresh_list()  # the marks' column (the first mark adds it)
        if highlighted is not None and highlighted < option_list.option_count:
            option_list.highlighted = highlighted
        self._refresh_family()

    def action_toggle_favourite(self) -> None:
        model = self._highlighted_model()
        if model is None:
            self.app.bell()
            return
        self._toggle_favourite(model)
        if model in self._favourites:
            self._favourites.remove(model)
        else:
            self._favourites.append(model)
        self._rebuild_base_order()
        self._options_cache.clear()  # the ★ of this model changed
        # Update the row in place (the order changes with the next keystroke, not under the cursor).
        option_list = self.query_one("#picker-list", _ModelList)
        index = option_list.highlighted
        if index is not None:
            query = self.query_one("#picker-filter", Input).value
            spans = next((s for m, s in filter_models(query, [model])), [])
            if model == self._typed:
                self._typed = None
            option_list.replace_option_prompt_at_index(index, self._prompt(model, spans))
        self._refresh_family()
