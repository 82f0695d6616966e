"""Rule set loaded from YAML, validated and compiled once, versioned by content hash.

Rules are data so that a reviewer can read why a finding was made and a domain expert can
change wording without touching code. Every rule carries its own positive and negative
example sentences; the tests run them all. Regular expressions run under a time limit so a
pathological input cannot hang ingestion; keywords are found with one Aho-Corasick
automaton and confirmed on jieba token boundaries (never with `\\b`, which means nothing
in Chinese).
"""
from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import ahocorasick
import regex
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from extractors.clauses import normalise

RULES_DIR = Path(__file__).parent / "rules"
REGEX_TIMEOUT = 0.05  # seconds per search; a timed-out search counts as no match
CATEGORIES = {"political", "selection", "duty", "conduct", "integrity", "personal_matters", "team",
              "supervision", "party_building", "finance", "rectification", "other"}
COUNT_KEYS = {"problems_total", "problems_rectified", "problems_in_progress", "reminder_talk",
              "criticism_education", "admonishment", "organizational_handling", "disciplinary_sanction",
              "accountability", "clues_transferred", "team_adjustment", "rules_made"}
KINDS = {"feedback", "rectification", "speech", "news", "case_bulletin", "plan", "other"}
# what a rule does; code looks rules up by role, never by id
ROLES = Literal["veto", "problem", "category", "context", "serious", "actor_start", "personal_title",
                "problem_title", "rect_item", "referral_column", "referral_body", "disposition_tail",
                "earlier_finding", "evaluation", "quote_attribution", "subject_individual", "subject_team", "subject_team_org",
                "subject_team_topic", "subject_unit_actor", "subject_unit_override"]
# roles the code relies on holding exactly one rule (checked at load, so a missing or doubled
# rule stops the program with its role instead of failing mid-extraction)
SINGLE_ROLES = ("problem_title", "referral_column", "referral_body", "disposition_tail", "earlier_finding",
                "evaluation", "quote_attribution")
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

    def matches(self, text: str, tokens: "Tokens | None" = None) -> list[tuple[int, int, str]]:
        """Spans (start, end, matched text) where this rule fires in normalised `text`."""
        if self.regex is not None:
            return [(s, e, text[s:e]) for s, e in search_all(self.regex, text)]
        if self.scope in ("section", "kind"):
            return [(i, i + len(w), w) for w in self.words for i in _find_all(text, w)]
        tokens = tokens or Tokens(text, self.owner)
        # topic words only steer the category: the head or tail of a compound counts too
        # (资金 in 专项资金), a word cut across two tokens does not (分工 in 部分/工程)
        check = tokens.inside_token if self.role == "category" else tokens.on_boundaries
        out = []
        for w in self.words:
            for start in _find_all(text, w):
                end = start + len(w)
                if self.not_after and text[:start].endswith(self.not_after):
                    continue
                if self.not_before and text.startswith(self.not_before, end):
                    continue
                if check(start, end) and (not self.phrase_end or phrase_closes(text, end)):
                    out.append((start, end, w))
        return out

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


def iter_matches(pattern: regex.Pattern, text: str) -> list:
    """All non-empty matches under the time limit; a timeout counts as no match (and is logged)."""
    try:
        return [m for m in pattern.finditer(text, timeout=REGEX_TIMEOUT) if m.end() > m.start()]
    except TimeoutError:
        log.warning("regex %s timed out on %d chars", pattern.pattern[:40], len(text))
        return []


def match_at(pattern: regex.Pattern, text: str, pos: int):
    """pattern.match at `pos` under the time limit; None on timeout."""
    try:
        return pattern.match(text, pos, timeout=REGEX_TIMEOUT)
    except TimeoutError:
        log.warning("regex %s timed out on %d chars", pattern.pattern[:40], len(text))
        return None


def search_all(pattern: regex.Pattern, text: str) -> list[tuple[int, int]]:
    """Spans of all matches under the time limit."""
    return [m.span() for m in iter_matches(pattern, text)]


class Tokens:
    """jieba token boundaries of one text, computed once and only when a keyword needs them."""

    def __init__(self, text: str, rules: "RuleSet | None") -> None:
        self.text = text
        self._rules = rules
        self._bounds: set[int] | None = None

    def inside_token(self, start: int, end: int) -> bool:
        """On boundaries, or the head or tail of a single token."""
        if self.on_boundaries(start, end):
            return True
        inner = any(start < b < end for b in self._bounds)
        return not inner and (start in self._bounds or end in self._bounds)

    def on_boundaries(self, start: int, end: int) -> bool:
        if self._bounds is None:
            seg = segmenter(self._rules.userdict if self._rules else None,
                            self._rules.token_words if self._rules else ())
            pos, bounds, own = 0, {0}, []
            vocab = set(self._rules.token_words) if self._rules else set()
            for tok in seg.cut(self.text, HMM=False):
                if tok in vocab:
                    own.append((pos, pos + len(tok)))
                pos += len(tok)
                bounds.add(pos)
            self._bounds, self._own = bounds, own
        if start in self._bounds and end in self._bounds:
            return True
        # a specific term (3+ characters) inside one of our own longer terms (职数配备不齐 holds
        # 配备不齐) is still a real hit; short words (要 in 跑官要官) are not
        return end - start >= 3 and any(s <= start and end <= e for s, e in self._own)


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


@dataclass
class CountRule:
    key: str
    patterns: list[regex.Pattern]
    examples: list[tuple[str, int | None]]


@dataclass
class RuleSet:
    """All rules, compiled. `version` is a hash of every rule file, stored with each finding."""

    version: str
    rules: list[Rule] = field(default_factory=list)
    counts: list[CountRule] = field(default_factory=list)
    kinds: list[tuple[str, regex.Pattern, list[str]]] = field(default_factory=list)
    vocab: dict[str, object] = field(default_factory=dict)
    userdict: Path | None = None
    automaton: object = None  # Aho-Corasick over every keyword word -> [(rule, word)]
    token_words: tuple[str, ...] = ()  # problem and veto keywords, added to jieba as words

    def by_role(self, role: str) -> list[Rule]:
        return [r for r in self.rules if r.role == role]

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
        out: dict[str, list[tuple[int, int, str]]] = {}
        if self.automaton is None or not text:
            return out
        for end, entries in self.automaton.iter(text):
            for rule_id, word in entries:
                out.setdefault(rule_id, []).append((end - len(word) + 1, end + 1, word))
        return out


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
    auto = ahocorasick.Automaton()
    for r in rs.rules:
        if r.regex is None and r.scope in ("clause", "head", "sentence"):
            for w in r.words:
                entries = auto.get(w) if w in auto else []
                auto.add_word(w, entries + [(r.id, w)])
    if len(auto):
        auto.make_automaton()
        rs.automaton = auto
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
