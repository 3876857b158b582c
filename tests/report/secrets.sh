#!/bin/sh
# SPDX-License-Identifier: MIT
# secrets.sh PREFLIGHT - secrets planted in the inputs (a storage account
# key, a SAS token and a connection string in a datastore, an account key
# list) appear in no output: check in every format, report, fix.
. "$(dirname "$0")/common.sh"
bin=$1
command -v python3 >/dev/null 2>&1 || skip "python3 is missing"
key='Q2FudGFyZWxsYVNlY3JldEtleUZvclByZWZsaWdodFRlc3RzT25seTEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI='
sas='sv=2022-11-02&ss=b&srt=co&sp=rl&se=2030-01-01T00:00:00Z&sig=Zm9yZ2VkU2lnbmF0dXJlRm9yVGVzdHNPbmx5MTIzNDU2Nzg5MA%3D%3D'
sig='Zm9yZ2VkU2lnbmF0dXJlRm9yVGVzdHNPbmx5MTIzNDU2Nzg5MA'
cp -r examples/contoso-westeurope "$TMP/ex"
python3 - "$TMP/ex" "$key" "$sas" <<'PY'
import json, sys
d, key, sas = sys.argv[1:4]
p = d + "/datastores.json"
ds = json.load(open(p))
ds[0]["account_key"] = key
ds[0]["credentials"] = {"account_key": key, "sas_token": sas}
ds[1]["connection_string"] = ("DefaultEndpointsProtocol=https;AccountName="
                              "stmlprodweu;AccountKey=" + key +
                              ";EndpointSuffix=core.windows.net")
ds[1]["sas_token"] = "?" + sas
json.dump(ds, open(p, "w"), indent=2)
json.dump([{"keyName": "key1", "permissions": "FULL", "value": key}],
          open(d + "/storage-keys.json", "w"), indent=2)
PY
tags=examples/contoso-westeurope/service-tags.json
for f in text json markdown html sarif junit; do
  "$bin" check "$TMP/ex" --service-tags $tags --format $f \
    >"$TMP/out.check.$f" 2>"$TMP/err.check.$f"
  [ $? -le 1 ] || fail "check --format $f failed: $(cat "$TMP/err.check.$f")"
done
for f in markdown html sarif junit; do
  "$bin" report "$TMP/out.check.json" --format $f >"$TMP/out.report.$f" \
    2>"$TMP/err.report.$f" || fail "report --format $f failed"
done
"$bin" fix "$TMP/ex" --service-tags $tags >"$TMP/out.fix" 2>"$TMP/err.fix" ||
  fail "fix failed"
n=$(ls "$TMP"/out.* | wc -l)
for s in "$key" "$sig" "Q2FudGFyZWxsYVNlY3JldEtleUZvclByZWZsaWdodF"; do
  if grep -l -F -- "$s" "$TMP"/out.* "$TMP"/err.*; then
    fail "a planted secret appears in the output above"
  fi
done
echo "PASS: secrets ($n outputs, no planted secret)"
