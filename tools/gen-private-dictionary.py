#!/usr/bin/python3
"""Generates lib/dicom/private-dictionary-data.ts: VR, VM and name of private data elements,
keyed by Private Creator and element (PS3.5 7.8).

Source: Debian's python3-pydicom (`apt-get install -y python3-pydicom`, 2.3.1 on bookworm), its
`pydicom/_private_dict.py` (`private_dictionaries`), which pydicom generates from the GDCM
project's private dictionary. Licences (see /usr/share/doc/python3-pydicom/copyright):
pydicom is MIT ("Expat"); `_private_dict.py` carries GDCM's BSD-3-Clause terms,
Copyright 2006-2010 Mathieu Malaterre and 1993-2005 CREATIS. Using pydicom's table also keeps
our private VRs identical to the corpus reference headers (made with pydicom 2.3.1). The BSD
terms require the notice to travel with the data: the generator copies that paragraph of the
Debian copyright file into the output's header.

Usage (from the repository root):
    /usr/bin/python3 tools/gen-private-dictionary.py > lib/dicom/private-dictionary-data.ts

Which of pydicom's keys are kept. A private data element is (gggg,xxEE): gggg odd, xx the block
(0x10-0xFF) its creator reserved with (gggg,00xx), EE the element within the block (PS3.5
7.8.1). pydicom's lookup (datadict.get_private_entry) tries 'ggggeeee', 'ggggxxEE', 'ggxxxxEE':
  - 'ggggxxEE' (block-agnostic) and 'ggxxxxEE' (any group with that high byte, e.g. '60xxxx10')
    are kept as they are.
  - Fully specified 'gggg00EE' keys (the "TOSHIBA_MEC_MR3^10"-style creators, a few others) are
    dropped: their element is below 0x0100, i.e. a creator slot or the unused 0x0001-0x000F,
    never a private data element, so pydicom's lookup cannot reach them either.
  - 'gggg10xx' keys (GEMS_*: "Private Element Creator") describe the creator element itself,
    which is always LO (PS3.5 7.8.1; lib/dicom/dictionary.ts answers that); dropped.
  - Keys in a group that is not private (even: FDMS 1.0 0032xx32/33; 0003 and 0005, which
    PS3.5 7.8.1 says shall not be used) are dropped: the lookup never asks for them.
The generator stops if the source has any other key shape, so a new pydicom is checked.

Output format (one string literal, parsed lazily on the first lookup):
    @Creator                    a block per creator, creators sorted (case-sensitive)
    MASK VR VM Name             one line per element, sorted; MASK is 'ggggxxEE' or 'ggxxxxEE'
Hex digits are uppercase, 'x' marks free digits (as in dictionary-data.ts). The one ambiguous
VR ('OB_OW' in pydicom) is written 'OB/OW'; an empty name is '-'. No entry is retired.
"""
import re
import sys

import pydicom
from pydicom._private_dict import private_dictionaries

BLOCK_MASK = re.compile(r'[0-9a-f]{4}xx[0-9a-f]{2}')
GROUP_MASK = re.compile(r'[0-9a-f]{2}xxxx[0-9a-f]{2}')
CREATOR_SLOT = re.compile(r'[0-9a-f]{4}00[0-9a-f]{2}')
CREATOR_ROW = re.compile(r'[0-9a-f]{4}10xx')
VR = re.compile(r'[A-Z]{2}')
VM = re.compile(r'[0-9]+(-[0-9]*n|-[0-9]+)?')
SAFE = re.compile(r'[ -~]+')  # printable ASCII; no control characters or newlines


def is_private_group(group: int) -> bool:
    # As lib/dicom/dictionary.ts isPrivateGroup: odd, but not 0001-0007 or FFFF (PS3.5 7.8.1).
    return group % 2 == 1 and group > 0x0008 and group != 0xFFFF


def check(text: str, what: str) -> str:
    if not SAFE.fullmatch(text) or '`' in text or '${' in text:
        raise SystemExit(f'unexpected characters in {what} {text!r}')
    return text


def escape(text: str) -> str:
    # The data is a template literal: a backslash must be doubled to stay one backslash.
    return text.replace('\\', '\\\\')


COPYRIGHT = '/usr/share/doc/python3-pydicom/copyright'


def private_dict_licence() -> list:
    """The copyright and BSD-3 terms of _private_dict.py from Debian's copyright file, which the
    licence requires to travel with the data (comment lines, Debian's ' .' as an empty line)."""
    paragraphs = open(COPYRIGHT, encoding='utf-8').read().split('\n\n')
    for paragraph in paragraphs:
        if paragraph.startswith('Files: pydicom/_private_dict.py'):
            lines = paragraph.rstrip('\n').split('\n')[1:]
            return ['//' if line.strip() == '.' else '// ' + line.strip() for line in lines]
    raise SystemExit(f'no _private_dict.py paragraph in {COPYRIGHT}')


licence = private_dict_licence()
if not any('All rights reserved' in line for line in licence) or not any('DISCLAIMED' in line for line in licence):
    raise SystemExit('the licence paragraph does not look like BSD-3-Clause terms')

blocks = []
kept = dropped_slots = dropped_rows = dropped_groups = 0
for creator in sorted(private_dictionaries):
    check(creator, 'creator')
    if creator != creator.strip(' ') or creator.startswith('@'):
        raise SystemExit(f'creator {creator!r} has padding or starts with the block marker')
    lines = []
    for key, (vr, vm, name, retired) in sorted(private_dictionaries[creator].items()):
        if retired:
            raise SystemExit(f'{creator} {key}: retired entries are not expected')
        if CREATOR_SLOT.fullmatch(key):
            dropped_slots += 1
            continue
        if CREATOR_ROW.fullmatch(key):
            dropped_rows += 1
            continue
        if not (BLOCK_MASK.fullmatch(key) or GROUP_MASK.fullmatch(key)):
            raise SystemExit(f'{creator} {key}: unexpected key shape')
        if BLOCK_MASK.fullmatch(key) and not is_private_group(int(key[0:4], 16)):
            dropped_groups += 1
            continue
        vr = 'OB/OW' if vr == 'OB_OW' else vr
        if not (VR.fullmatch(vr) or vr == 'OB/OW') or not VM.fullmatch(vm):
            raise SystemExit(f'{creator} {key}: unexpected VR {vr!r} or VM {vm!r}')
        if name == '-':
            raise SystemExit(f'{creator} {key}: name "-" would read as no name')
        name = escape(check(name, f'name of {creator} {key}')) if name else '-'
        mask = key.upper().replace('X', 'x')
        lines.append(f'{mask} {vr} {vm} {name}')
    if lines:
        blocks.append(f'@{creator}\n' + '\n'.join(lines))
        kept += len(lines)

out = sys.stdout
out.write('// GENERATED by tools/gen-private-dictionary.py: do not edit by hand.\n')
out.write(f'// Source: pydicom {pydicom.__version__} _private_dict.py, generated by pydicom from the GDCM\n')
out.write('// private dictionary. Licence: BSD-3-Clause, Copyright 2006-2010 Mathieu Malaterre,\n')
out.write("// 1993-2005 CREATIS (Debian python3-pydicom's copyright file); pydicom itself is MIT.\n")
out.write('//\n// Terms of the source, as /usr/share/doc/python3-pydicom/copyright states them:\n')
out.write('\n'.join(licence) + '\n//\n')
out.write('// Blocks "@Creator" then lines "MASK VR VM Name"; MASK "ggggxxEE" or "ggxxxxEE" (x = any),\n')
out.write('// VR "OB/OW" = "OB or OW", name "-" = none.\n\n')
out.write(f"export const PRIVATE_DICTIONARY_SOURCE = 'pydicom {pydicom.__version__} (GDCM private dictionary)';\n\n")
out.write(f'/** {kept} entries of {len(blocks)} private creators ({dropped_slots} creator-slot and '
          f'{dropped_rows} creator-row and {dropped_groups} non-private-group keys of the source left out: '
          'see the generator). */\n')
out.write('export const PRIVATE_ENTRIES = `\n' + '\n'.join(blocks) + '\n`;\n')
