"""Rule set loaded from YAML, validated and compiled once, versioned by content hash.

Rules are data so that a reviewer can read why a finding was made and a domain expert can
change wording without touching code. Every rule carries its own positive and negative
example sentences; the tests run them all. Keywords are found with one Aho-Corasick
automaton and confirmed on jieba token boundaries (never with `\\b`, which means nothing
in Chinese).

Speed: one automaton pass over a text finds every keyword and every literal a pattern
cannot match without (its anchors), so a pattern runs only on texts that hold one of its
anchors, and jieba only on texts with a keyword candidate. The scan of a text keeps what each
rule found in it, so a sentence asked about by each of its clauses is matched once. A pattern
whose cost is bounded by its form (`bounded_cost`, on a text of bounded length) runs without
a time limit; any other runs under REGEX_TIMEOUT, and a timed-out search is retried once under
REGEX_RETRY_TIMEOUT and recorded (`regex_timeouts`), so a finding never depends on how
busy the machine is unless a pattern is pathological.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import warnings
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import ahocorasick
import regex
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from extractors.clauses import normalise
from models import vocabulary as V

RULES_DIR = Path(__file__).parent / "rules"
REGEX_TIMEOUT = 0.05  # seconds per search for a pattern whose cost is not bounded by its form
REGEX_RETRY_TIMEOUT = 1.0  # the one retry of a timed-out search; only then does it count as no match
BOUNDED_TEXT = 2000  # texts up to this length run bounded-cost patterns without a time limit
CATEGORIES = frozenset(V.CATEGORIES)  # the one vocabulary (models/vocabulary.py)
COUNT_KEYS = {"problems_total", "problems_rectified", "problems_in_progress", "reminder_talk",
              "criticism_education", "admonishment", "organizational_handling", "disciplinary_sanction",
              "accountability", "clues_transferred", "team_adjustment", "rules_made"}
KINDS = {"feedback", "rectification", "speech", "news", "case_bulletin", "plan", "other"}
# what a rule does; code looks rules up by role, never by id
ROLES = Literal["veto", "problem", "category", "context", "serious", "actor_start", "statement_start", "personal_title",
                "problem_title", "rect_item", "rect_table_column", "referral_column", "referral_body", "disposition_tail",
                "earlier_finding", "evaluation", "quote_attribution", "subject_individual", "subject_team", "subject_team_org",
                "subject_team_topic", "subject_unit_actor", "subject_unit_override"]
# roles the code relies on holding exactly one rule (checked at load, so a missing or doubled
# rule stops the program with its role instead of failing mid-extraction)
SINGLE_ROLES = ("problem_title", "referral_column", "referral_body", "disposition_tail", "earlier_finding",
                "evaluation", "quote_attribution", "rect_table_column")
# kinds of veto the code treats differently (a typo would silently change what a veto does)
VETO_CLASSES = Literal["requirement", "negation", "praise", "disposition", "measure", "cited", "generic",
                       "speech", "coverage"]
# modules whose code decides what is extracted: their source is part of the rule-set version,
# so a release that extracts differently re-extracts stored documents
EXTRACTION_CODE = ("findings.py", "clauses.py", "subjects.py", "rules.py", "counts.py", "doc_kind.py",
                   "report_items.py", "text.py")
_NUM = r"(?P<n>\d+|[零〇一二两三四五六七八九十百千]+)"
# after a phrase-final keyword only these may follow (besides punctuation or the end)
_PHRASE_FOLLOW = ("问题", "现象", "情况", "等", "的", "行为", "倾向", "和", "及", "或", "之风")
_PUNCT = set("，。；：、！？,.;:!?（）()“”\"‘’'「」《》 \n\t|｜")

log = logging.getLogger(__name__)


class RuleError(ValueError):
    """A rule file does not validate; the message names the rule and the problem."""


class Examples(BaseModel):
    model_config = ConfigDict(extra="forbid")
    positive: list[str] = Field(min_length=1)
    negative: list[str] = Field(default_factory=list)


class RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z_]+(\.[a-z_]+)+$")
    kind: Literal["keyword", "pattern", "context", "veto"]
    role: ROLES = "veto"
    weight: float = 1.0
    words: list[str] = Field(default_factory=list)
    pattern: str | None = None
    scope: Literal["clause", "head", "sentence", "section", "kind"] = "clause"
    category: str | None = None
    phrase_end: bool = False
    only_kinds: list[str] = Field(default_factory=list)  # apply only to these document kinds
    not_after: list[str] = Field(default_factory=list)  # a keyword right after these does not fire
    not_before: list[str] = Field(default_factory=list)  # a keyword right before these does not fire
    class_: VETO_CLASSES | None = Field(default=None, alias="class")
    examples: Examples

    @field_validator("category")
    @classmethod
    def _known_category(cls, v: str | None) -> str | None:
        if v is not None and v not in CATEGORIES:
            raise ValueError(f"unknown category {v!r}")
        return v

    @model_validator(mode="after")
    def _has_matcher(self) -> "RuleSpec":
        if bool(self.words) == bool(self.pattern):
            raise ValueError("a rule needs exactly one of words or pattern")
        if self.kind == "keyword" and not self.words:
            raise ValueError("keyword rules need words")
        return self


class CountSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str
    patterns: list[str] = Field(min_length=1)
    examples: list[str] = Field(min_length=1)

    @field_validator("key")
    @classmethod
    def _known_key(cls, v: str) -> str:
        if v not in COUNT_KEYS:
            raise ValueError(f"unknown counts key {v!r}")
        return v


class KindSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str
    pattern: str
    examples: list[str] = Field(min_length=1)


@dataclass
class Rule:
    """A compiled rule. `fires` is what the tests call on each example."""

    id: str
    kind: str
    role: str
    weight: float
    scope: str
    category: str | None
    klass: str | None
    words: list[str]
    regex: regex.Pattern | None
    phrase_end: bool
    positive: list[str]
    negative: list[str]
    owner: "RuleSet | None" = field(default=None, repr=False)
    only_kinds: tuple[str, ...] = ()
    not_after: tuple[str, ...] = ()
    not_before: tuple[str, ...] = ()
    # set once at load (RuleSet.prepare): where each word stands in `words`, whether the pattern
    # needs one of its anchors, whether its cost is bounded by its form
    ranks: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False)
    anchored: bool = False
    needs: object = None  # Aho-Corasick over its words or anchors: a text with none of them cannot fire it
    bounded: bool = False

    def matches(self, text: str, tokens: "Tokens | None" = None, scan: "Scan | None" = None) -> list[tuple[int, int, str]]:
        """Spans (start, end, matched text) where this rule fires in normalised `text` (`scan`: the
        rule set's scan of that same text, when the caller has it). Kept on the scan: the stages ask
        the same rule about the same text again (a sentence for each of its clauses); the list is
        shared, callers must not change it."""
        owner = self.owner
        if scan is None:
            if owner is None or owner.automaton is None:
                return self._match(text, tokens, None)
            if self.needs is not None and next(self.needs.iter(text), None) is None:
                return []  # none of its words or anchors is in the text: no need to scan it
            scan = owner.scan(text)
        found = scan.found.get(self.id)
        if found is None:
            found = scan.found[self.id] = self._match(text, tokens, scan)
        return found

    def _match(self, text: str, tokens: "Tokens | None", scan: "Scan | None") -> list[tuple[int, int, str]]:
        if self.regex is not None:
            if scan is not None and self.anchored and self.id not in scan.anchors:
                return []  # none of the literals the pattern needs is in the text
            return [(s, e, text[s:e]) for s, e in search_all(self.regex, text)]
        if scan is not None:
            found = scan.keywords.get(self.id)
            if not found:
                return []
            # in the order of the rule's words, each word's starts ascending and once
            rank = self.ranks
            hits = sorted({(i, s0, w) for s0, _, w in found for i in rank[w]})
        else:
            hits = [(i, s0, w) for i, w in enumerate(self.words) for s0 in _find_all(text, w)]
        if self.scope in ("section", "kind"):
            return [(s0, s0 + len(w), w) for _, s0, w in hits]
        if tokens is None:
            tokens = scan.tokens() if scan is not None else Tokens(text, self.owner)
        # topic words only steer the category: the head or tail of a compound counts too
        # (资金 in 专项资金), a word cut across two tokens does not (分工 in 部分/工程)
        check = tokens.inside_token if self.role == "category" else tokens.on_boundaries
        not_after, not_before, phrase_end = self.not_after, self.not_before, self.phrase_end
        out = []
        for _, start, w in hits:
            end = start + len(w)
            if not_after and text.endswith(not_after, 0, start):
                continue
            if not_before and text.startswith(not_before, end):
                continue
            if check(start, end) and (not phrase_end or phrase_closes(text, end)):
                out.append((start, end, w))
        return out

    def pattern_matches(self, text: str) -> list:
        """Every non-empty match (match objects) of this pattern rule in normalised `text`, none when
        the text holds none of its anchors; kept on the text's scan like `matches`."""
        scan = self.owner.scan(text) if self.owner is not None and self.owner.automaton is not None else None
        if scan is None:
            return iter_matches(self.regex, text)
        key = ("pattern", self.id)
        got = scan.found.get(key)
        if got is None:
            got = scan.found[key] = [] if self.anchored and self.id not in scan.anchors else iter_matches(self.regex, text)
        return got

    def fires(self, text: str) -> bool:
        """Does the rule fire on this example (raw text, normalised here as at extraction)?"""
        return bool(self.matches(normalise(text)))


def _find_all(text: str, word: str) -> list[int]:
    out, i = [], text.find(word)
    while i >= 0:
        out.append(i)
        i = text.find(word, i + 1)
    return out


def phrase_closes(text: str, end: int) -> bool:
    """A predicate keyword must end its phrase: punctuation, the end, or a closing word."""
    if end >= len(text) or text[end] in _PUNCT:
        return True
    return text.startswith(_PHRASE_FOLLOW, end)


# pattern text -> searches that timed out: under REGEX_TIMEOUT (then retried) and, as "final",
# under REGEX_RETRY_TIMEOUT too (counted as no match); read by benchmarks and tests
regex_timeouts: Counter = Counter()


def iter_matches(pattern: regex.Pattern, text: str) -> list:
    """All non-empty matches; a bounded-cost pattern on a bounded text runs without a time limit."""
    if len(text) <= BOUNDED_TEXT and bounded_cost(pattern.pattern):
        return [m for m in pattern.finditer(text) if m.end() > m.start()]
    return _limited(pattern, text, lambda limit: [m for m in pattern.finditer(text, timeout=limit)
                                                  if m.end() > m.start()], [])


def first_match(pattern: regex.Pattern, text: str):
    """The first non-empty match (what iter_matches gives first), or None; the search stops there."""
    if len(text) <= BOUNDED_TEXT and bounded_cost(pattern.pattern):
        return next((m for m in pattern.finditer(text) if m.end() > m.start()), None)
    return _limited(pattern, text, lambda limit: next((m for m in pattern.finditer(text, timeout=limit)
                                                       if m.end() > m.start()), None), None)


def match_at(pattern: regex.Pattern, text: str, pos: int):
    """pattern.match at `pos`, time-limited like iter_matches; None after a final timeout."""
    if len(text) <= BOUNDED_TEXT and bounded_cost(pattern.pattern):
        return pattern.match(text, pos)
    return _limited(pattern, text, lambda limit: pattern.match(text, pos, timeout=limit), None)


def _limited(pattern: regex.Pattern, text: str, run, failed):
    """Run under REGEX_TIMEOUT; on a timeout record it and retry once under the long limit, so a
    busy machine does not turn a match into no match; only a second timeout gives `failed`."""
    try:
        return run(REGEX_TIMEOUT)
    except TimeoutError:
        regex_timeouts[pattern.pattern] += 1
        log.warning("regex %s timed out on %d chars; retrying", pattern.pattern[:40], len(text))
    try:
        return run(REGEX_RETRY_TIMEOUT)
    except TimeoutError:
        regex_timeouts["final:" + pattern.pattern] += 1
        log.error("regex %s timed out twice on %d chars: counted as no match", pattern.pattern[:40], len(text))
        return failed


def search_all(pattern: regex.Pattern, text: str) -> list[tuple[int, int]]:
    """Spans of all matches under the time limit."""
    return [m.span() for m in iter_matches(pattern, text)]


try:  # the standard library's regular-expression parser, to read a pattern's form
    import re._constants as _sre
    import re._parser as _sre_parse
except ImportError:  # Python < 3.11
    import sre_constants as _sre  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

_UNICODE_PROPERTY = regex.compile(r"\\[pP]\{[^}]*\}")  # \p{Han}: regex-only, read as \w (some word character)
_ANCHOR_CLASS_MAX = 8  # a character class of at most this many characters gives one anchor each
_SHORT_REPEAT = 20  # a repeat up to this many characters counts as a constant, not as the text's length
_GROUP_REPEAT = 4  # a repeated group may repeat at most this often to keep a bounded cost
_CHAR_OPS = {_sre.LITERAL, _sre.NOT_LITERAL, _sre.IN, _sre.ANY, _sre.CATEGORY}
_REPEATS = {_sre.MAX_REPEAT, _sre.MIN_REPEAT} | ({_sre.POSSESSIVE_REPEAT} if hasattr(_sre, "POSSESSIVE_REPEAT") else set())


def _parse(pattern: str):
    """The pattern's parse tree, or None when the standard parser does not read it (regex-only syntax)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = _sre_parse.parse(_UNICODE_PROPERTY.sub(r"\\w", pattern))
    except Exception:  # noqa: BLE001 - any syntax the standard parser refuses: no shortcut for it
        return None
    return None if tree.state.flags & _sre.SRE_FLAG_IGNORECASE else tree


def anchors(pattern: str) -> frozenset[str] | None:
    """Literals one of which every match of `pattern` contains, or None when none can be named.

    Read from the parse tree: a run of literal characters, an alternation whose every branch
    has anchors, a group, a repeat of at least one, a small character class. A concatenation
    takes the part whose anchors are longest. Only sure statements: a pattern with anchors
    cannot match a text that holds none of them."""
    tree = _parse(pattern)
    return _required(list(tree)) if tree is not None else None


def _required(items) -> frozenset[str] | None:
    options: list[frozenset[str]] = []
    run = ""
    for op, av in items:
        if op is _sre.LITERAL:
            run += chr(av)
            continue
        prev, run = run, ""
        if prev:
            options.append(frozenset([prev]))
        sub = None
        if op is _sre.SUBPATTERN:
            add_flags = av[1]
            sub = None if add_flags & _sre.SRE_FLAG_IGNORECASE else _required(list(av[-1]))
        elif op is _sre.BRANCH:
            subs = [_required(list(b)) for b in av[1]]
            sub = None if any(x is None for x in subs) else frozenset().union(*subs)
            leads = [_lead(list(b)) for b in av[1]]
            if prev and all(leads):  # the parser cuts 公务车辆|公车 into 公(?:务车辆|车)
                options.append(frozenset(prev + x for x in leads))
        elif op in _REPEATS:
            lo, _hi, body = av
            sub = _required(list(body)) if lo >= 1 else None
        elif op is _sre.IN:
            chars = []
            for iop, iav in av:
                if iop is _sre.LITERAL:
                    chars.append(chr(iav))
                elif iop is _sre.RANGE and iav[1] - iav[0] < _ANCHOR_CLASS_MAX:
                    chars += [chr(c) for c in range(iav[0], iav[1] + 1)]
                else:  # NEGATE, CATEGORY, a long range
                    chars = []
                    break
            sub = frozenset(chars) if 0 < len(chars) <= _ANCHOR_CLASS_MAX else None
        elif hasattr(_sre, "ATOMIC_GROUP") and op is _sre.ATOMIC_GROUP:
            sub = _required(list(av))
        if sub:
            options.append(sub)
    if run:
        options.append(frozenset([run]))
    if not options:
        return None
    return max(options, key=lambda o: (min(len(x) for x in o), -len(o)))


def _lead(items) -> str:
    """The literal characters a sequence opens with."""
    out = ""
    for op, av in items:
        if op is not _sre.LITERAL:
            break
        out += chr(av)
    return out


_BOUNDED: dict[str, bool] = {}


def bounded_cost(pattern: str) -> bool:
    """Can the pattern not backtrack explosively? Yes when it has no back-reference, every repeat
    of a group is short (at most _GROUP_REPEAT times), and any one way through it (one branch of
    each alternation) passes at most two repeats that may run the text's length: its work is then
    polynomial of degree two at most in a text of bounded length (besides the start positions;
    a pattern that can only match at the text's start, ^…, may pass three)."""
    known = _BOUNDED.get(pattern)
    if known is None:
        tree = _parse(pattern)
        known = False
        if tree is not None:
            items = list(tree)
            anchored = (bool(items) and items[0] == (_sre.AT, _sre.AT_BEGINNING)
                        and not tree.state.flags & _sre.SRE_FLAG_MULTILINE)
            most = _long_repeats(items)
            known = most is not None and most <= (3 if anchored else 2)
        _BOUNDED[pattern] = known
    return known


def _separated_literals(body) -> bool:
    """A group body of literals only (alternatives of literal words allowed) that opens with a
    character found nowhere else in it: a repeat of it can split a text in one way only."""
    if not body or body[0][0] is not _sre.LITERAL:
        return False
    sep = body[0][1]

    def literal_only(items) -> bool:
        for op, av in items:
            if op is _sre.LITERAL:
                if av == sep:
                    return False
            elif op is _sre.SUBPATTERN:
                if av[1] or av[2] or not literal_only(list(av[-1])):  # no flags inside
                    return False
            elif op is _sre.BRANCH:
                if not all(literal_only(list(b)) for b in av[1]):
                    return False
            else:
                return False
        return True

    return literal_only(body[1:])


def _long_repeats(items) -> int | None:
    """The most repeats over the text's length that one way through `items` passes (a way takes
    one branch of each alternation, so the costliest branch counts; repeats in a row add), or None for
    a form whose cost is not bounded (a long repeat of a group, a back-reference)."""
    n = 0
    for op, av in items:
        if op in _REPEATS:
            lo, hi, body = av
            body = list(body)
            if len(body) != 1 or body[0][0] not in _CHAR_OPS:
                # a repeated group: (a|aa)+ can take exponential time; (?:主要)? cannot, nor can
                # (?:、(?:局长|主任))*, whose every turn starts with a character found nowhere else in it
                if hi > _GROUP_REPEAT and _separated_literals(body):
                    n += 1
                    continue
                inner = _long_repeats(body) if hi <= _GROUP_REPEAT else None
                if inner is None:
                    return None
                n += inner * hi
            elif hi - lo > _SHORT_REPEAT:
                n += 1
        elif op is _sre.SUBPATTERN or op in (_sre.ASSERT, _sre.ASSERT_NOT):
            inner = _long_repeats(list(av[-1]))
            if inner is None:
                return None
            n += inner
        elif op is _sre.BRANCH:
            inner = [_long_repeats(list(b)) for b in av[1]]
            if any(x is None for x in inner):
                return None
            n += max(inner, default=0)
        elif hasattr(_sre, "ATOMIC_GROUP") and op is _sre.ATOMIC_GROUP:
            inner = _long_repeats(list(av))
            if inner is None:
                return None
            n += inner
        elif op in (_sre.GROUPREF, _sre.GROUPREF_EXISTS) or op not in _CHAR_OPS | {_sre.AT}:
            return None  # back-references and anything not read here: keep the time limit
    return n


class Tokens:
    """jieba token boundaries of one text, only where a keyword candidate needs them.

    jieba cuts each run of word characters (the runs between punctuation) on its own, so the
    boundaries near a candidate depend only on the runs it touches: those are cut (once per
    rule set and run, kept in its block cache) and nothing else. Same boundaries as cutting
    the whole text at once."""

    def __init__(self, text: str, rules: "RuleSet | None") -> None:
        self.text = text
        self._rules = rules
        self._runs: list[tuple[int, int, str]] | None = None  # (start, end, run) covering the text
        self._ends: list[int] = []  # the runs' ends, ascending (to find the runs near a span)
        self._cut_runs = bytearray()  # 1 for each run already cut
        self._bounds = bytearray(len(text) + 1)  # 1 at each token boundary of the runs cut so far
        self._terms: list[tuple[int, int]] = []  # spans of our own terms in the runs cut so far

    def inside_token(self, start: int, end: int) -> bool:
        """On boundaries, or the head or tail of a single token."""
        if self.on_boundaries(start, end):
            return True
        bounds = self._bounds
        inner = bounds.find(1, start + 1, end) >= 0
        return not inner and (start == 0 or bounds[start] == 1 or bounds[end] == 1)

    def on_boundaries(self, start: int, end: int) -> bool:
        self._cut_around(start, end)
        bounds = self._bounds
        if (start == 0 or bounds[start]) and bounds[end]:
            return True
        # a specific term (3+ characters) inside one of our own longer terms (职数配备不齐 holds
        # 配备不齐) is still a real hit; short words (要 in 跑官要官) are not
        return end - start >= 3 and any(s <= start and end <= e for s, e in self._terms)

    def _cut_around(self, start: int, end: int) -> None:
        """Cut the runs that touch [start, end] (each once): every position the checks read then
        holds the boundaries of the runs around it, as in a cut of the whole text."""
        runs = self._runs
        if runs is None:
            from jieba import re_han_default

            runs, pos = [], 0
            for piece in re_han_default.split(self.text):
                if piece:
                    runs.append((pos, pos + len(piece), piece))
                    pos += len(piece)
            # runs last: another thread that finds them finds their ends and flags too
            self._ends = [r1 for _, r1, _ in runs]
            self._cut_runs = bytearray(len(runs))
            self._runs = runs
        i = bisect_left(self._ends, start)  # the first run that does not end before start
        while i < len(runs) and runs[i][0] <= end:
            if not self._cut_runs[i]:
                self._cut(*runs[i])
                self._cut_runs[i] = 1  # only once its boundaries are all marked
            i += 1

    def _cut(self, r0: int, _r1: int, piece: str) -> None:
        """Mark one run's token boundaries (its start and every token end) and note our terms in it."""
        rules = self._rules
        local = rules.block_cache.get(piece) if rules else None
        if local is None:
            seg = rules.segmenter() if rules else segmenter(None, ())
            local = _run_tokens(seg, piece, rules.token_vocab if rules else frozenset())
            if rules:
                rules.block_cache.put(piece, local)
        cuts, terms = local
        bounds = self._bounds
        bounds[r0] = 1
        for c in cuts:
            bounds[r0 + c] = 1
        self._terms.extend((r0 + a, r0 + b) for a, b in terms)


def _run_tokens(seg, piece: str, vocab) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
    """Token ends of one run as jieba cuts it (HMM off), and the spans of its tokens that are our terms."""
    pos, cuts, terms = 0, [], []
    for tok in seg.cut(piece, HMM=False):
        if tok in vocab:
            terms.append((pos, pos + len(tok)))
        pos += len(tok)
        cuts.append(pos)
    return tuple(cuts), tuple(terms)


_SEG_LOCK = threading.Lock()
_SEGMENTERS: dict[tuple, object] = {}


def segmenter(userdict: Path | None, extra_words: tuple[str, ...] = ()):
    """One jieba tokenizer per user dictionary, built lazily (jieba's start-up costs ~1 s)."""
    import jieba

    key = (str(userdict or ""), extra_words)
    with _SEG_LOCK:
        seg = _SEGMENTERS.get(key)
        if seg is None:
            jieba.setLogLevel(logging.WARNING)
            seg = jieba.Tokenizer()
            if userdict and userdict.exists():
                seg.load_userdict(str(userdict))
            for w in extra_words:
                seg.add_word(w, freq=2000)
            _SEGMENTERS[key] = seg
    return seg


class TextCache:
    """What was computed for recent texts, bounded: emptied when full, long texts never kept (one
    per rule set; plain dict operations, safe across threads). It only saves work, never changes
    a result."""

    def __init__(self, size: int, longest: int = BOUNDED_TEXT) -> None:
        self.size = size
        self.longest = longest
        self._d: dict = {}

    def get(self, key):
        return self._d.get(key)

    def put(self, key, val) -> None:
        size = sum(len(k) for k in key if isinstance(k, str)) if isinstance(key, tuple) else len(key)
        if size > self.longest:
            return
        if len(self._d) >= self.size:
            self._d = {}
        self._d[key] = val

    def clear(self) -> None:
        self._d = {}


class Scan:
    """What one automaton pass found in a text: keyword spans by rule, and the pattern rules
    one of whose anchors occurs (only those can match). It also keeps what was worked out
    about that text since: each rule's matches (`found`) and its jieba boundaries (`tokens`)."""

    __slots__ = ("text", "keywords", "anchors", "found", "_tokens", "_rules")

    def __init__(self, text: str, keywords: dict[str, list[tuple[int, int, str]]], anchors: set[str],
                 rules: "RuleSet | None" = None) -> None:
        self.text = text
        self.keywords = keywords
        self.anchors = anchors
        self.found: dict[str, object] = {}  # rule id (or a stage's own key) -> what it found in the text
        self._tokens: Tokens | None = None
        self._rules = rules

    def tokens(self) -> "Tokens":
        """The text's jieba boundaries, made on first need."""
        if self._tokens is None:
            self._tokens = Tokens(self.text, self._rules)
        return self._tokens


@dataclass
class CountRule:
    key: str
    patterns: list[regex.Pattern]
    examples: list[tuple[str, int | None]]
    needs: list[tuple[str, ...]] = field(default_factory=list)  # per pattern: its anchors (a text without any cannot match), () if none can be named

    def __post_init__(self) -> None:
        if not self.needs:
            self.needs = [tuple(sorted(anchors(p.pattern) or ())) for p in self.patterns]


@dataclass
class RuleSet:
    """All rules, compiled. `version` is a hash of every rule file, stored with each finding."""

    version: str
    rules: list[Rule] = field(default_factory=list)
    counts: list[CountRule] = field(default_factory=list)
    kinds: list[tuple[str, regex.Pattern, list[str]]] = field(default_factory=list)
    vocab: dict[str, object] = field(default_factory=dict)
    userdict: Path | None = None
    automaton: object = None  # Aho-Corasick over every keyword word -> [(rule, word)] and pattern anchor -> [(rule, None)]
    token_words: tuple[str, ...] = ()  # problem and veto keywords, added to jieba as words
    anchored: set[str] = field(default_factory=set)  # pattern rules that need one of their anchors
    unanchored: set[str] = field(default_factory=set)  # pattern rules that may match any text
    scan_cache: TextCache = field(default_factory=lambda: TextCache(4096), repr=False)
    block_cache: TextCache = field(default_factory=lambda: TextCache(16384), repr=False)
    judge_cache: TextCache = field(default_factory=lambda: TextCache(4096, 3 * BOUNDED_TEXT), repr=False)  # extractors.findings.judge
    token_vocab: frozenset[str] = frozenset()
    _roles: dict[str, list[Rule]] = field(default_factory=dict, repr=False)
    posts: tuple[str, ...] = ()  # the vocabulary's posts (局长, 党组书记 …): a name's post ends with one
    _seg: object = field(default=None, repr=False)

    def by_role(self, role: str) -> list[Rule]:
        """The rules holding a role, in file order (kept: callers must not change the list)."""
        found = self._roles.get(role)
        if found is None:
            found = self._roles[role] = [r for r in self.rules if r.role == role]
        return found

    def clear_caches(self) -> None:
        """Forget what was computed per text, normalised texts too (benchmarks time a first pass)."""
        from extractors import clauses

        clauses._normalise_short.cache_clear()
        self.scan_cache.clear()
        self.block_cache.clear()
        self.judge_cache.clear()

    def candidates(self, rules: list[Rule], scan: Scan) -> list[Rule]:
        """Those of `rules` (in their order) that may fire on the scanned text: a keyword or an
        anchor of theirs is in it, or they are patterns without anchors (`matches` still decides)."""
        if self.automaton is None:
            return list(rules)
        kw, an, free = scan.keywords, scan.anchors, self.unanchored
        return [r for r in rules if r.id in kw or r.id in an or r.id in free]

    def may_fire(self, rule: Rule, scan: Scan) -> bool:
        """Can `rule` fire on the scanned text at all (see `candidates`)?"""
        return (self.automaton is None or rule.id in scan.keywords or rule.id in scan.anchors
                or rule.id in self.unanchored)

    def subset(self, name: str, keep) -> list[Rule]:
        """The rules `keep` selects, in file order, selected once per rule set under `name`."""
        return self.once("subset:" + name, lambda: [r for r in self.rules if keep(r)])

    def once(self, name: str, make):
        """What `make()` derives from the rules, made once per rule set and kept under `name`
        (shared: callers must not change it)."""
        found = self._roles.get(name)
        if found is None:
            found = self._roles[name] = make()
        return found

    def scan(self, text: str) -> Scan:
        """Keyword spans and present anchors of `text` in one automaton pass (cached per text)."""
        got = self.scan_cache.get(text)
        if got is None:
            keywords: dict[str, list[tuple[int, int, str]]] = {}
            anchors: set[str] = set()
            if self.automaton is not None and text:
                # each automaton entry: (length, ((rule id, word), ...) of keywords, (rule id, ...) of anchors)
                for end, (n, words, anchored) in self.automaton.iter(text):
                    if anchored:
                        anchors.update(anchored)
                    if words:
                        span = (end - n + 1, end + 1)
                        for rule_id, word in words:
                            spans = keywords.get(rule_id)
                            if spans is None:
                                keywords[rule_id] = [(*span, word)]
                            else:
                                spans.append((*span, word))
            got = Scan(text, keywords, anchors, self)
            self.scan_cache.put(text, got)
        return got

    def segmenter(self):
        """The jieba tokenizer for this rule set's dictionary and terms."""
        seg = self._seg
        if seg is None:
            seg = self._seg = segmenter(self.userdict, self.token_words)
        return seg

    def warm(self) -> "RuleSet":
        """Do the one-time work now rather than on the first document: jieba's dictionary."""
        self.segmenter().initialize()
        return self

    def get(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(f"no rule {rule_id!r}")

    def one(self, role: str) -> Rule:
        """The rule that holds a role the code relies on (validated at load)."""
        found = self.by_role(role)
        if len(found) != 1:
            raise RuleError(f"role {role}: {len(found)} rules, the code needs exactly one")
        return found[0]

    def keyword_candidates(self, text: str) -> dict[str, list[tuple[int, int, str]]]:
        """rule id -> keyword spans in `text`, found in one automaton pass (not yet boundary-checked)."""
        return self.scan(text).keywords


def _compile(pattern: str, vocab: dict, where: str) -> regex.Pattern:
    for key, val in vocab.items():
        token = "{" + key + "}"
        if token in pattern:
            if isinstance(val, str):
                pattern = pattern.replace(token, regex.escape(val))
            else:
                alts = sorted((str(v) for v in val), key=len, reverse=True)
                pattern = pattern.replace(token, "|".join(regex.escape(a) for a in alts))
    try:
        return regex.compile(pattern)
    except regex.error as exc:
        raise RuleError(f"{where}: bad pattern: {exc}") from exc


def load_rules(directory: Path | None = None) -> RuleSet:
    """Read, validate and compile every rule file in `directory` (default: the packaged rules)."""
    directory = Path(directory or RULES_DIR)
    files = sorted(directory.glob("*.yaml"))
    userdict = directory / "userdict.txt"
    digest = hashlib.sha256()
    for f in files + ([userdict] if userdict.exists() else []):
        digest.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    digest.update(code_version().encode())
    rs = RuleSet(version=digest.hexdigest()[:12], userdict=userdict if userdict.exists() else None)
    seen: set[str] = set()
    for f in files:
        data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        vocab = {k: v for k, v in data.items() if k not in ("rules", "counts", "kinds")}
        rs.vocab.update(vocab)
        for raw in data.get("rules", []):
            try:
                spec = RuleSpec.model_validate(raw)
            except Exception as exc:  # pydantic.ValidationError, reported with the file and rule id
                raise RuleError(f"{f.name}: rule {raw.get('id', '?')}: {exc}") from exc
            if spec.id in seen:
                raise RuleError(f"{f.name}: duplicate rule id {spec.id}")
            seen.add(spec.id)
            words = [normalise(w) for w in spec.words]
            rx = _compile(spec.pattern, vocab, f"{f.name}:{spec.id}") if spec.pattern else None
            rs.rules.append(Rule(spec.id, spec.kind, spec.role, spec.weight, spec.scope, spec.category,
                                 spec.class_, words, rx, spec.phrase_end, spec.examples.positive,
                                 spec.examples.negative, rs, tuple(spec.only_kinds),
                                 tuple(normalise(w) for w in spec.not_after),
                                 tuple(normalise(w) for w in spec.not_before)))
        for raw in data.get("counts", []):
            spec = CountSpec.model_validate(raw)
            pats = [_compile(p.replace("{N}", _NUM), vocab, f"{f.name}:{spec.key}") for p in spec.patterns]
            exs = []
            for ex in spec.examples:
                text, _, want = ex.rpartition("=>")
                if not text:
                    raise RuleError(f"{f.name}: counts {spec.key}: example needs 'text => value'")
                want = want.strip()
                exs.append((text.strip(), None if want == "None" else int(want)))
            rs.counts.append(CountRule(spec.key, pats, exs))
        for raw in data.get("kinds", []):
            spec = KindSpec.model_validate(raw)
            if spec.kind not in KINDS:
                raise RuleError(f"{f.name}: unknown kind {spec.kind}")
            rs.kinds.append((spec.kind, _compile(spec.pattern, vocab, f"{f.name}:{spec.kind}"), spec.examples))
    rs.token_words = tuple(sorted({w for r in rs.rules if r.kind in ("keyword", "veto") and r.role not in ("category", "evaluation")
                                   and r.scope in ("clause", "head", "sentence") for w in r.words if len(w) > 1}))
    rs.token_vocab = frozenset(rs.token_words)
    rs.posts = tuple(str(p) for p in rs.vocab.get("posts", []))
    entries: dict[str, tuple[list, list]] = {}  # automaton key -> (keyword entries, anchored rule ids)
    for r in rs.rules:
        if r.regex is None:
            for w in r.words:
                entries.setdefault(w, ([], []))[0].append((r.id, w))
        else:
            for a in anchors(r.regex.pattern) or ():
                entries.setdefault(a, ([], []))[1].append(r.id)
                rs.anchored.add(r.id)
            if r.id not in rs.anchored:
                rs.unanchored.add(r.id)
    auto = ahocorasick.Automaton()
    for key, (words, anchored) in entries.items():
        auto.add_word(key, (len(key), tuple(words), tuple(anchored)))
    if len(auto):
        auto.make_automaton()
        rs.automaton = auto
    for r in rs.rules:
        ranks: dict[str, list[int]] = {}
        for i, w in enumerate(r.words):
            ranks.setdefault(w, []).append(i)
        r.ranks = {w: tuple(v) for w, v in ranks.items()}
        r.anchored = r.id in rs.anchored
        needed = r.words if r.regex is None else anchors(r.regex.pattern) if r.anchored else ()
        if needed:
            r.needs = ahocorasick.Automaton()
            for w in needed:
                r.needs.add_word(w, w)
            r.needs.make_automaton()
        r.bounded = r.regex is not None and bounded_cost(r.regex.pattern)
    for role in SINGLE_ROLES:
        held = [r.id for r in rs.by_role(role)]
        if len(held) != 1:
            raise RuleError(f"role {role}: the code needs exactly one rule with it, found {held or 'none'}")
    return rs


def code_version(directory: Path | None = None) -> str:
    """Hash of the extraction code's source (EXTRACTION_CODE in `directory`, default this package)."""
    directory = Path(directory or Path(__file__).parent)
    digest = hashlib.sha256()
    for name in EXTRACTION_CODE:
        f = directory / name
        if f.exists():
            digest.update(name.encode() + b"\0" + f.read_bytes() + b"\0")
    return digest.hexdigest()[:12]
