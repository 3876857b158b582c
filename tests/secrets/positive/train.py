"""Training script with secrets (test corpus, fake values)."""
import logging
from azureml.core import Run, Datastore

ACCOUNT_KEY = "7b+IRl8Dre0pqxTCVufYUFZ5GjhDIMQ0lWhy1yyIa8uPrhZmAtIcwftHDHnZOQE+ZWepBCpECCv+Zdcjy2IvSg=="
conn = "DefaultEndpointsProtocol=https;AccountName=stmlprodweu;AccountKey=WBUbikyJET7OeVIWuyyxOLvna81lCcKoAN05bXHjiqYtnZE0HA3D2/6xfyHZdjHNvr1HlFeEDxlYhlQ9SwYYHw==;EndpointSuffix=core.windows.net"
db_password = "Tr41n!ng-Db-2020"
headers = {"Authorization": "Bearer eyJhbGciOiAiUlMyNTYiLCAidHlwIjogIkpXVCJ9.eyJhdWQiOiAiaHR0cHM6Ly9tYW5hZ2VtZW50LmF6dXJlLmNvbSIsICJvaWQiOiAiM2ExZiIsICJleHAiOiAxNzAwMDAwMDAwfQ.50JicTc4Gj0mKr41DO9mvSl4AoNlB-CBCzTVHYDzoXAejEOZE1-0zgOaMA-i4H7VpPuxzNxqKI2a7O7p4cVfqA"}

run = Run.get_context()
secret_value = run.get_secret(name="mysecret")
print(secret_value)
logging.info("connecting with %s", secret_value)
alias = secret_value
run.log("token", alias)
print(f"the secret is {secret_value}")
print(run.get_secret(name="other"))
ds = Datastore.register_azure_blob_container(workspace=ws, datastore_name="raw",
    container_name="raw", account_name="stmlprodweu",
    account_key="5mrHlge1kUj2jkYslzwh1+dIxFaM/bIyGI1BWCtTcQZnWvLpxipY9oYiDt+eIZkgckY0M/voHvobDr986na+/Q==", overwrite=True)
