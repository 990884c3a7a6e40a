#!/usr/bin/env python3
"""Offline HTML5 checks of report.html files (Python standard library only).

Beyond what `tidy` reports, each page must:
  - start with <!DOCTYPE html>, have <html lang>, <meta charset="utf-8"> first
    in <head>, a viewport <meta> and a non-empty <title>;
  - nest its elements properly (every non-void element closed, in order,
    inside <body> or <head>), with no end tag for a void element;
  - use only elements of HTML5 (and SVG inside <svg>);
  - have no duplicate id, no attribute twice on an element, no script, no
    inline event handler, no style or link that loads anything, no URL but
    http(s) or relative ones;
  - be valid UTF-8 with no control character or noncharacter.
Usage: validate.py FILE... ; exit 1 with one line per problem.
"""
import re
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
HTML5 = VOID | set("""a abbr address article aside b bdi bdo blockquote body button caption cite code data datalist dd
del details dfn dialog div dl dt em fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 head header hgroup html i
ins kbd label legend li main mark menu meter nav noscript ol optgroup option output p picture pre progress q rp rt ruby
s samp section select small span strong style sub summary sup table tbody td template textarea tfoot th thead time
title tr u ul var svg""".split())
SVG = set("""svg g a title desc rect circle ellipse line polyline polygon path text tspan defs marker use
lineargradient stop clippath""".split())
FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


class Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems, self.stack, self.ids = [], [], set()
        self.seen_doctype = False
        self.head_children = []
        self.title = ""
        self.in_title = False

    def error(self, message):
        self.problems.append(message)

    def handle_decl(self, decl):
        if decl.lower() == "doctype html":
            self.seen_doctype = True
        else:
            self.problems.append(f"unexpected declaration <!{decl}>")

    def check_start(self, tag, attrs):
        names = [a for a, _ in attrs]
        if len(names) != len(set(names)):
            self.problems.append(f"<{tag}>: an attribute twice: {names}")
        in_svg = "svg" in self.stack
        if tag not in (SVG if in_svg else HTML5):
            self.problems.append(f"<{tag}> is not an element of {'SVG' if in_svg else 'HTML5'}")
        if tag == "script" or tag == "link" or tag == "iframe":
            self.problems.append(f"<{tag}>: the page must not load or run anything")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}>: an inline event handler")
            if name == "id":
                if value in self.ids:
                    self.problems.append(f"duplicate id {value!r}")
                self.ids.add(value)
            if name in ("href", "src") and value is not None:
                if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", value) and not re.match(r"^https?://", value):
                    self.problems.append(f"<{tag} {name}={value!r}>: not an http(s) or relative URL")
            if name == "style" or (value and "url(" in value):
                self.problems.append(f"<{tag} {name}>: inline style or url()")
        if self.stack == ["html", "head"]:
            self.head_children.append((tag, dict(attrs)))

    def handle_starttag(self, tag, attrs):
        self.check_start(tag, attrs)
        if not self.stack and tag != "html":
            self.problems.append(f"<{tag}> outside <html>")
        if tag == "title":
            self.in_title = True
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.check_start(tag, attrs)
        if tag not in VOID and "svg" not in self.stack:
            self.problems.append(f"<{tag}/>: self-closing syntax on a non-void HTML element")

    def handle_endtag(self, tag):
        if tag in VOID:
            self.problems.append(f"</{tag}>: end tag of a void element")
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()
        if tag == "title":
            self.in_title = False

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        if "svg" not in self.stack and data.strip() and (not self.stack or self.stack == ["html"]):
            self.problems.append(f"text outside <head>/<body>: {data.strip()[:40]!r}")


def validate(path):
    raw = open(path, "rb").read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return [f"not UTF-8: {e}"]
    problems = []
    if FORBIDDEN.search(text):
        problems.append(f"a control character or noncharacter at offset {FORBIDDEN.search(text).start()}")
    if not text.startswith("<!DOCTYPE html>"):
        problems.append("does not start with <!DOCTYPE html>")
    c = Checker()
    c.feed(text)
    c.close()
    problems += c.problems
    if c.stack:
        problems.append(f"unclosed elements at the end: {c.stack}")
    head = c.head_children
    if not head or head[0][0] != "meta" or head[0][1].get("charset", "").lower() != "utf-8":
        problems.append('<meta charset="utf-8"> is not the first element of <head>')
    if not any(t == "meta" and a.get("name") == "viewport" for t, a in head):
        problems.append("no viewport <meta>")
    if not c.title.strip():
        problems.append("no <title>")
    if not re.search(r'<html lang="[a-z]{2}', text):
        problems.append("<html> has no lang")
    return problems


def main(paths):
    bad = 0
    for p in paths:
        problems = validate(p)
        for problem in problems[:30]:
            print(f"{p}: {problem}")
        bad += bool(problems)
        if not problems:
            print(f"{p}: valid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
