#!/bin/sh
# Makes sample-session.wav: a short SAMPLE session with made-up content,
# clinician on the left channel (flite voice rms), client on the right
# (flite voice kal16), 16 kHz 16-bit stereo. Needs flite and sox
# (apt-get install flite sox). Run from this directory: ./make-sample.sh
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One line per turn: speaker (clinician|client) TAB text. Fictional.
cat >"$tmp/script.tsv" <<'SCRIPT'
clinician	This is a sample session. How has your week been?
client	Better. I walked every morning and slept more.
clinician	Good. Let us keep the morning walks and meet next week.
SCRIPT

gap=0.4 # seconds of silence between turns
i=0
: >"$tmp/left.list"
: >"$tmp/right.list"
while IFS="$(printf '\t')" read -r who text; do
  i=$((i + 1))
  voice=rms
  [ "$who" = client ] && voice=kal16
  flite -voice "$voice" -t "$text" -o "$tmp/raw$i.wav"
  sox -D "$tmp/raw$i.wav" -r 16000 -c 1 -b 16 "$tmp/turn$i.wav" pad 0 "$gap"
  sox -D "$tmp/turn$i.wav" "$tmp/quiet$i.wav" vol 0
  if [ "$who" = clinician ]; then
    echo "$tmp/turn$i.wav" >>"$tmp/left.list"
    echo "$tmp/quiet$i.wav" >>"$tmp/right.list"
  else
    echo "$tmp/quiet$i.wav" >>"$tmp/left.list"
    echo "$tmp/turn$i.wav" >>"$tmp/right.list"
  fi
done <"$tmp/script.tsv"

# shellcheck disable=SC2046
sox -D $(cat "$tmp/left.list") "$tmp/left.wav"
# shellcheck disable=SC2046
sox -D $(cat "$tmp/right.list") "$tmp/right.wav"
sox -D -M "$tmp/left.wav" "$tmp/right.wav" -r 16000 -b 16 sample-session.wav
soxi sample-session.wav
