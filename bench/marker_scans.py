"""Micro-benchmark: the page reader's challenge-marker and not-found hint scans (plain `in`/find loops) against one
compiled regex alternation, on 200 simweb pages lower-cased. Run: .venv/bin/python bench/marker_scans.py"""
import sys, re, timeit
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent)); sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from simweb import plan_web, render_page, render_not_found
from refcheck import page as P
pages=[(render_not_found(p) if p.kind=="dead" else render_page(p)).lower() for p in plan_web(2000,50)[:200]]
M=P._CHALLENGE_MARKUP
R=re.compile(b"|".join(re.escape(m) for m in M))
def loop():
    for l in pages:
        for m in M:
            if m in l: break
def rx():
    for l in pages:
        R.search(l)
for f in (loop,rx,loop,rx):
    print(f.__name__, min(timeit.repeat(f,number=5,repeat=3))/5/len(pages)*1e6,'us/page')
print(sum(len(p) for p in pages)/len(pages))
ANCH=(b"cf",b"challenge-platform",b"checking your",b"ddos",b"enable javascript",b"verify you",b"captcha",b"incapsula")
G=tuple((a,tuple(m for m in M if a in m)) for a in ANCH)
assert sorted(m for _,g in G for m in g)==sorted(M)
def grp():
    for l in pages:
        for a,g in G:
            if a in l and any(m in l for m in g): break
for f in (loop,grp,loop,grp):
    print(f.__name__, min(timeit.repeat(f,number=5,repeat=3))/5/len(pages)*1e6,'us/page')
import collections
print(collections.Counter(a for l in pages for a in ANCH if a in l))
R2=re.compile(b"|".join(P._LATIN_HINT_BYTES))
def hloop():
    for l in pages: P._anchor_positions(l)
def hrx():
    for l in pages: [m.start() for m in R2.finditer(l)]
for f in (hloop,hrx,hloop,hrx):
    print(f.__name__, min(timeit.repeat(f,number=5,repeat=3))/5/len(pages)*1e6,'us/page')
