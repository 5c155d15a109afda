#!/bin/sh
# The main job of `make run`; grows with the harness. Usage: run-main.sh TDXH OUTDIR
set -eu
tdxh=$1
out=$2
mkdir -p "$out"
"$tdxh" --version
