"""The Key Vault pattern of the articles: nothing here is a secret."""
import os
import hashlib
from azureml.core import Workspace, Run, Datastore

ws = Workspace.from_config()
my_secret = os.environ.get("MY_SECRET")
keyvault = ws.get_default_keyvault()
keyvault.set_secret(name="mysecret", value = my_secret)
account_key = os.environ["KEY"]
storage_key = os.getenv("AZURE_STORAGE_KEY")
password = "<your-password>"
token = "YOUR_TOKEN_HERE"
api_key = "xxxxxxxxxxxxxxxxxxxx"
secret_name = "db-password-2020"
key_vault_name = "kv-ml-prod-weu"
sort_key = "timestamp"
key = "label"
subscription_id = "bd1f71ee-8de9-05f1-2739-9f347b677024"
tenant_id = "bd1f71ee-8de9-05f1-2739-9f347b677024"
expected_sha256 = "3a6eb0790f39ac87c94f3856b2dd2c5d110e6811602261a9a923d3bb23adc8b7"
checksum = "sha256:3a6eb0790f39ac87c94f3856b2dd2c5d110e6811602261a9a923d3bb23adc8b7"
if password == "admin12345":
    pass

run = Run.get_context()
secret_value = run.get_secret(name="mysecret")
conn = connect(user="ml", password=secret_value)
print("connected")
print("secret_value is set")
logging.info("rows: %d", len(rows))
ds = Datastore.register_azure_blob_container(workspace=ws,
    datastore_name='your datastore name',
    container_name='your container name',
    account_name='your storage account name',
    account_key='new storage account key',
    overwrite=True)
