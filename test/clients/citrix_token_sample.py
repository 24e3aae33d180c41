# Citrix's published Python token sample (developer docs, "Generate Citrix Cloud bearer token"),
# with only the host changed, followed by one Monitor request as Citrix's examples send it.
# Usage: python3 citrix_token_sample.py BASE_URL CUSTOMER_ID CLIENT_ID CLIENT_SECRET
import json
import sys

import requests

base, customer_id, client_id, client_secret = sys.argv[1:5]
url = f"{base}/cctrustoauth2/{customer_id}/tokens/clients"
payload = {
    "grant_type": "client_credentials",
    "client_id": client_id,
    "client_secret": client_secret,
}
headers = {"Accept": "application/json"}
response = requests.request("POST", url, headers=headers, data=payload)
response_json = json.loads(response.text)
token = response_json["access_token"]

data = requests.get(
    f"{base}/monitorodata/Machines?$top=3&$select=Id,Name",
    headers={"Authorization": f"CWSAuth bearer={token}", "Citrix-CustomerId": customer_id, "Accept": "application/json"},
)
print(json.dumps({"status": data.status_code, "body": data.json()}))
