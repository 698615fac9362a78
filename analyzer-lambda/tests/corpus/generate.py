#!/usr/bin/env python3
"""Writes grouping.jsonl: the labelled grouping corpus (deterministic, seeded).

Each line: {"source", "log_group", "label", "message"}. `message` is the log event exactly as
CloudWatch Logs delivers it; `label` names the true problem (unique across the corpus, so a
label never spans two services). Templates are real producers' messages (the formats and
wording of AWS Lambda, Powertools, Rust, Java, Python, Go, Node, nginx, API Gateway,
PostgreSQL, MySQL, MongoDB, Redis, the AWS SDKs, Stripe, Slack, Kubernetes, systemd); the
values in them (ids, amounts, addresses, times) vary per message as they do in production.
Near-misses are deliberate: problems that differ by one word or one code are separate labels.

    python3 analyzer-lambda/tests/corpus/generate.py   # rewrites grouping.jsonl beside it
"""
import json
import os
import random
import string
import uuid

R = random.Random(15)
B62 = string.ascii_letters + string.digits
HEX = "0123456789abcdef"


def b62(n):
    return "".join(R.choice(B62) for _ in range(n))


def hexs(n):
    return "".join(R.choice(HEX) for _ in range(n))


def lower_alnum(n):
    return "".join(R.choice(string.ascii_lowercase + string.digits) for _ in range(n))


def uid():
    return str(uuid.UUID(int=R.getrandbits(128), version=4))


def ip():
    return f"10.{R.randint(0, 255)}.{R.randint(0, 255)}.{R.randint(1, 254)}"


def ts(sep="T", frac=3, z="Z"):
    return (f"2026-11-{R.randint(10, 28):02d}{sep}{R.randint(0, 23):02d}:{R.randint(0, 59):02d}:"
            f"{R.randint(0, 59):02d}.{R.randint(0, 10**frac - 1):0{frac}d}{z}")


def xray():
    return f"1-{hexs(8)}-{hexs(24)}"


def trace():
    return hexs(32)


def amount():
    return f"{R.randint(1, 999)}.{R.randint(0, 99):02d}"


def email():
    return f"{R.choice(['ana', 'bob', 'chen', 'dmitri', 'eve'])}.{lower_alnum(4)}@{R.choice(['example.com', 'mail.example.org'])}"


def pod(deploy):
    return f"{deploy}-{lower_alnum(10)}-{lower_alnum(5)}"


def ms():
    return R.randint(1, 30000)


def j(obj):
    return json.dumps(obj, separators=(",", ":"))


ENTRIES = []


def add(source, group, label, make, n=4):
    for _ in range(n):
        ENTRIES.append({"source": source, "log_group": group, "label": label, "message": make()})


# --- AWS Lambda runtime and platform lines -------------------------------------------------
G = "/aws/lambda/checkout"
add("lambda-runtime", G, "checkout-timeout",
    lambda: f"{ts()} {uid()} Task timed out after 3.00 seconds")
add("lambda-runtime", G, "checkout-timeout",
    lambda: f"REPORT RequestId: {uid()}\tDuration: {3000 + R.randint(0, 9)}.{R.randint(0, 99):02d} ms\tBilled Duration: 3000 ms\tMemory Size: 512 MB\tMax Memory Used: {R.randint(60, 200)} MB\tStatus: timeout", 3)
add("lambda-runtime", G, "checkout-oom",
    lambda: f"REPORT RequestId: {uid()}\tDuration: {R.randint(100, 2000)}.{R.randint(0, 99):02d} ms\tBilled Duration: {R.randint(100, 2000)} ms\tMemory Size: 512 MB\tMax Memory Used: 512 MB\tStatus: error\tError Type: Runtime.OutOfMemory", 3)
add("lambda-runtime", G, "checkout-runtime-exit",
    lambda: f"RequestId: {uid()} Error: Runtime exited with error: signal: killed\nRuntime.ExitError", 3)
add("lambda-runtime", G, "checkout-node-undefined-id",
    lambda: f"{ts()}\t{uid()}\tERROR\tInvoke Error \t" + j({"errorType": "TypeError", "errorMessage": "Cannot read properties of undefined (reading 'id')", "stack": ["TypeError: Cannot read properties of undefined (reading 'id')", f"    at Runtime.handler (/var/task/index.js:{R.choice([14])}:27)"]}))
add("lambda-runtime", G, "checkout-node-undefined-total",
    lambda: f"{ts()}\t{uid()}\tERROR\tInvoke Error \t" + j({"errorType": "TypeError", "errorMessage": "Cannot read properties of undefined (reading 'total')", "stack": ["TypeError: Cannot read properties of undefined (reading 'total')"]}), 3)
G = "/aws/lambda/importer"
add("lambda-runtime", G, "importer-import-module",
    lambda: f"[ERROR] Runtime.ImportModuleError: Unable to import module 'app': No module named 'requests'\nTraceback (most recent call last):", 3)
add("lambda-runtime", G, "importer-keyerror",
    lambda: f"[ERROR]\t{ts()}\t{uid()}\tKeyError: 'customer_id'\nTraceback (most recent call last):\n  File \"/var/task/app.py\", line 41, in handler\n    cid = event['customer_id']")
add("lambda-runtime", G, "importer-s3-nosuchkey",
    lambda: f"[ERROR]\t{ts()}\t{uid()}\tNoSuchKey: An error occurred (NoSuchKey) when calling the GetObject operation: The specified key does not exist. key=imports/2026/11/{R.randint(10, 28)}/batch-{R.randint(1000, 99999)}.csv")
add("lambda-runtime", G, "importer-init-error",
    lambda: f"INIT_REPORT Init Duration: {R.randint(100, 9999)}.{R.randint(0, 99):02d} ms\tPhase: init\tStatus: error\tError Type: Runtime.ExitError", 3)
add("lambda-runtime", G, "importer-json-timeout",
    lambda: j({"time": ts(), "type": "platform.report", "record": {"requestId": uid(), "metrics": {"durationMs": 900000.0 + R.randint(0, 9), "billedDurationMs": 900000, "memorySizeMB": 1024, "maxMemoryUsedMB": R.randint(100, 900)}, "status": "timeout"}}), 3)

# --- Powertools ----------------------------------------------------------------------------
G = "/aws/lambda/payments"
add("powertools-python", G, "payments-charge-failed",
    lambda: j({"level": "ERROR", "location": "charge:57", "message": f"Failed to charge customer cus_{b62(14)} amount {amount()}", "timestamp": ts(" ", 3, "+0000").replace(".", ","), "service": "payments", "cold_start": False, "function_name": "payments", "function_memory_size": "512", "function_arn": "arn:aws:lambda:us-east-1:123456789012:function:payments", "function_request_id": uid(), "xray_trace_id": xray()}), 10)
add("powertools-python", G, "payments-refund-failed",
    lambda: j({"level": "ERROR", "location": "refund:88", "message": f"Failed to refund charge ch_{b62(24)} amount {amount()}", "timestamp": ts(" ", 3, "+0000").replace(".", ","), "service": "payments", "function_request_id": uid(), "xray_trace_id": xray()}))
add("powertools-python", G, "payments-idempotency-in-progress",
    lambda: j({"level": "ERROR", "location": "handler:30", "message": f"Execution already in progress with idempotency key: payments.handler#{hexs(32)}", "timestamp": ts(" ", 3, "+0000"), "service": "payments", "exception_name": "IdempotencyAlreadyInProgressError", "exception": "Traceback (most recent call last): ...", "xray_trace_id": xray()}))
add("powertools-python", G, "payments-validation",
    lambda: j({"level": "ERROR", "location": "handler:22", "message": f"Failed schema validation. Error: data.amount must be bigger than or equal to 1, Path: ['data', 'amount'], Data: {R.choice(['0', '-5', '-1'])}", "service": "payments", "exception_name": "SchemaValidationError", "xray_trace_id": xray()}), 3)
G = "/aws/lambda/cart"
add("powertools-typescript", G, "cart-dynamo-throttled",
    lambda: j({"level": "ERROR", "message": f"Failed to save cart {uid()}", "sampling_rate": 0, "service": "cart", "timestamp": ts(), "xray_trace_id": xray(), "error": {"name": "ProvisionedThroughputExceededException", "location": "/var/task/index.js:2:1423", "message": "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.", "stack": "ProvisionedThroughputExceededException: ..."}}))
add("powertools-typescript", G, "cart-item-missing",
    lambda: j({"level": "WARN", "message": f"Item sku-{R.randint(10000, 99999)} not found in cart {uid()}", "service": "cart", "timestamp": ts(), "correlation_id": uid()}))
add("powertools-typescript", G, "cart-save-validation",
    lambda: j({"level": "ERROR", "message": f"Failed to save cart {uid()}", "service": "cart", "timestamp": ts(), "xray_trace_id": xray(), "error": {"name": "ValidationException", "location": "/var/task/index.js:2:1423", "message": "One or more parameter values were invalid: Missing the key cartId in the item", "stack": "ValidationException: ..."}}), 3)
G = "/aws/lambda/invoices"
add("powertools-java", G, "invoices-render-failed",
    lambda: j({"timestamp": ts(), "instant": {"epochSecond": R.randint(1795000000, 1796000000), "nanoOfSecond": R.randint(0, 999999999)}, "thread": "main", "level": "ERROR", "loggerName": "com.example.invoices.Handler", "message": f"Could not render invoice INV-{R.randint(100000, 999999)} for account acct_{b62(12)}", "endOfBatch": False, "loggerFqcn": "org.apache.logging.log4j.spi.AbstractLogger", "threadId": 1, "threadPriority": 5, "cold_start": "false", "function_name": "invoices", "function_request_id": uid(), "service": "invoices", "xray_trace_id": xray()}))
add("powertools-java", G, "invoices-npe",
    lambda: j({"timestamp": ts(), "level": "ERROR", "loggerName": "com.example.invoices.Handler", "message": "Unhandled exception", "service": "invoices", "error": {"type": "java.lang.NullPointerException", "message": "Cannot invoke \"com.example.invoices.Customer.getAddress()\" because \"customer\" is null"}, "function_request_id": uid()}), 3)
G = "/aws/lambda/notifications"
add("powertools-dotnet", G, "notifications-sns-publish",
    lambda: j({"cold_start": False, "xray_trace_id": xray(), "function_name": "notifications", "function_version": "$LATEST", "function_memory_size": 256, "function_arn": "arn:aws:lambda:us-east-1:123456789012:function:notifications", "function_request_id": uid(), "timestamp": ts(frac=7), "level": "Error", "service": "notifications", "name": "AWS.Lambda.Powertools.Logging.Logger", "message": f"Failed to publish notification {uid()} to topic arn:aws:sns:us-east-1:123456789012:order-events", "exception": {"type": "Amazon.SimpleNotificationService.Model.NotFoundException", "message": "Topic does not exist"}}))
add("powertools-dotnet", G, "notifications-template",
    lambda: j({"timestamp": ts(frac=7), "level": "Critical", "service": "notifications", "message": f"Template welcome-de-v6 missing for user {R.randint(10000, 999999)}", "function_request_id": uid()}), 3)

# --- Rust (our layer, tracing-subscriber JSON, panics) -------------------------------------
G = "/ecs/orders-api"
add("rust-tracing", G, "orders-payment-failed",
    lambda: j({"timestamp": ts(), "level": "ERROR", "message": "payment failed", "service": "orders-api", "trace_id": trace(), "target": "demo_api::routes::payments", "order_id": str(uid()), "amount_cents": R.randint(100, 99999), "error": {"message": "payment provider declined the charge", "sources": ["card declined: insufficient funds"]}, "spans": [{"name": "request", "trace_id": trace(), "method": "POST", "route": "/orders/{id}/pay"}]}))
add("rust-tracing", G, "orders-db-pool-timeout",
    lambda: j({"timestamp": ts(), "level": "ERROR", "message": f"database pool timed out after {R.choice([5, 30])}s waiting for a connection", "service": "orders-api", "target": "demo_api::db", "trace_id": trace(), "spans": []}))
add("rust-tracing", G, "orders-handler-panicked",
    lambda: j({"timestamp": ts(), "level": "ERROR", "message": "request handler panicked", "service": "orders-api", "target": "demo_api::app", "panic": f"order {R.randint(1, 9999)} has no line items", "location": "demo-api/src/routes/orders.rs:88:14", "trace_id": trace()}))
add("rust-tracing", G, "orders-slow-upstream",
    lambda: j({"timestamp": ts(), "level": "WARN", "message": f"slow call to inventory at http://{ip()}:8080/v1/stock/sku-{R.randint(1000, 9999)} took {ms()} ms", "service": "orders-api", "target": "demo_api::inventory"}))
G = "/ecs/ledger"
add("rust-panic", G, "ledger-unwrap-none-balance",
    lambda: f"thread 'tokio-runtime-worker' panicked at src/balance.rs:118:41:\ncalled `Option::unwrap()` on a `None` value\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace", 3)
add("rust-panic", G, "ledger-unwrap-none-journal",
    lambda: f"thread 'tokio-runtime-worker' panicked at src/journal.rs:57:22:\ncalled `Option::unwrap()` on a `None` value", 3)
add("rust-panic", G, "ledger-index-oob",
    lambda: f"thread 'main' panicked at src/batch.rs:31:9:\nindex out of bounds: the len is {R.randint(1, 50)} but the index is {R.randint(51, 99)}", 3)
add("rust-panic", G, "ledger-sqlx-error",
    lambda: j({"timestamp": ts(), "level": "ERROR", "fields": {"message": f"failed to post entry je_{lower_alnum(16)}: error returned from database: duplicate key value violates unique constraint \"entries_idempotency_key\""}, "target": "ledger::post", "span": {"name": "post", "entry": R.randint(1, 99999)}}))

# --- Java, Python, Go, Node application logs -----------------------------------------------
G = "/ecs/catalog"
add("java", G, "catalog-npe",
    lambda: f"{ts(' ', 3, '')} ERROR 1 --- [nio-8080-exec-{R.randint(1, 10)}] c.e.catalog.ProductController : Request processing failed: java.lang.NullPointerException: Cannot invoke \"com.example.catalog.Price.amount()\" because the return value of \"com.example.catalog.Product.price()\" is null")
add("java", G, "catalog-jdbc-connection",
    lambda: f"{ts(' ', 3, '')} ERROR 1 --- [nio-8080-exec-{R.randint(1, 10)}] o.h.engine.jdbc.spi.SqlExceptionHelper : HikariPool-1 - Connection is not available, request timed out after {R.randint(30000, 30100)}ms.")
add("java", G, "catalog-product-not-found",
    lambda: f"{ts(' ', 3, '')}  WARN 1 --- [nio-8080-exec-{R.randint(1, 10)}] c.e.catalog.ProductService : Product {R.randint(100000, 999999)} not found for tenant tenant-{lower_alnum(6)}")
add("java", G, "catalog-kafka-send",
    lambda: f"{ts(' ', 3, '')} ERROR 1 --- [kafka-producer-network-thread | producer-{R.randint(1, 5)}] o.a.k.clients.producer.internals.Sender : [Producer clientId=producer-{R.randint(1, 5)}] Got error produce response with correlation id {R.randint(1000, 99999)} on topic-partition catalog-events-{R.randint(0, 11)}, retrying (2147483646 attempts left). Error: NOT_LEADER_OR_FOLLOWER", 3)
G = "/ecs/recommender"
add("python", G, "recommender-model-load",
    lambda: j({"asctime": ts(" ", 3, ""), "levelname": "ERROR", "name": "recommender.model", "message": f"Failed to load model s3://models-prod/recommender/v{R.randint(10, 99)}/model.pt: Access Denied"}), 3)
add("python", G, "recommender-keyerror",
    lambda: f"{ts(' ', 3, '').replace('.', ',')} ERROR [recommender.api] Unhandled exception for user {R.randint(1, 99999)}: KeyError('embedding')")
add("python", G, "recommender-connection-refused",
    lambda: f"{ts(' ', 3, '').replace('.', ',')} ERROR [recommender.cache] ConnectionRefusedError: [Errno 111] Connection refused ({ip()}:6379)")
add("python", G, "recommender-connection-reset",
    lambda: f"{ts(' ', 3, '').replace('.', ',')} ERROR [recommender.cache] ConnectionResetError: [Errno 104] Connection reset by peer ({ip()}:6379)", 3)
G = "/ecs/shipping"
add("go", G, "shipping-label-failed",
    lambda: j({"level": "error", "ts": R.random() * 1e9 + 1.79e9, "caller": "label/service.go:142", "msg": "create label failed", "shipment_id": f"shp_{b62(16)}", "carrier": R.choice(["ups", "dhl"]), "error": f"carrier api: POST https://api.carrier.example/v2/labels: 502 Bad Gateway", "trace_id": trace()}))
add("go", G, "shipping-context-deadline",
    lambda: j({"level": "error", "ts": R.random() * 1e9 + 1.79e9, "caller": "quote/client.go:77", "msg": f"quote request {uid()} failed: context deadline exceeded (Client.Timeout exceeded while awaiting headers)"}))
add("go", G, "shipping-nil-map-panic",
    lambda: f"panic: assignment to entry in nil map\n\ngoroutine {R.randint(1, 999)} [running]:\nmain.(*Router).register(...)\n\t/app/router.go:51", 3)
add("go", G, "shipping-index-panic",
    lambda: f"panic: runtime error: index out of range [{R.randint(3, 9)}] with length {R.randint(0, 3)}\n\ngoroutine {R.randint(1, 999)} [running]:\nmain.pick(...)\n\t/app/pick.go:19", 3)
add("go", G, "shipping-logrus-tls",
    lambda: f'time="{ts()}" level=error msg="http: TLS handshake error from {ip()}:{R.randint(1024, 65535)}: EOF"', 3)
G = "/ecs/web-bff"
add("node", G, "bff-fetch-failed",
    lambda: j({"level": 50, "time": R.randint(1795000000000, 1796000000000), "pid": R.randint(1, 99), "hostname": pod("web-bff"), "reqId": f"req-{R.randint(1, 9999)}", "msg": f"fetch failed for https://profile.internal/users/{R.randint(1, 999999)}", "err": {"type": "TypeError", "message": "fetch failed", "stack": "TypeError: fetch failed\n    at node:internal/deps/undici/undici:12345:11"}}))
add("node", G, "bff-unhandled-rejection",
    lambda: j({"level": 60, "time": R.randint(1795000000000, 1796000000000), "pid": R.randint(1, 99), "hostname": pod("web-bff"), "msg": "unhandledRejection", "err": {"type": "Error", "message": f"ECONNREFUSED {ip()}:5432"}}), 3)
add("node", G, "bff-winston-session",
    lambda: j({"level": "error", "message": f"Session {b62(32)} expired for user {email()}", "service": "web-bff", "timestamp": ts()}))

# --- HTTP access logs ----------------------------------------------------------------------
G = "/ecs/nginx"
ROUTES = ["/api/orders/{}", "/api/orders/{}/pay"]
add("http-access", G, "nginx-orders-500",
    lambda: f'{ip()} - - [{R.randint(10, 28)}/Nov/2026:{R.randint(10, 23)}:{R.randint(10, 59)}:{R.randint(10, 59)} +0000] "GET /api/orders/{R.randint(1, 99999)} HTTP/1.1" 500 {R.randint(100, 999)} "-" "Mozilla/5.0"')
add("http-access", G, "nginx-orders-502",
    lambda: f'{ip()} - - [{R.randint(10, 28)}/Nov/2026:{R.randint(10, 23)}:{R.randint(10, 59)}:{R.randint(10, 59)} +0000] "GET /api/orders/{R.randint(1, 99999)} HTTP/1.1" 502 {R.randint(100, 999)} "-" "curl/8.5.0"')
add("http-access", G, "nginx-upstream-timeout",
    lambda: f'{ts()[:10].replace("-", "/")} {R.randint(10, 23)}:{R.randint(10, 59)}:{R.randint(10, 59)} [error] {R.randint(1, 99)}#{R.randint(1, 99)}: *{R.randint(1, 99999)} upstream timed out (110: Connection timed out) while reading response header from upstream, client: {ip()}, server: api.example.com, request: "GET /api/orders/{R.randint(1, 9999)} HTTP/1.1", upstream: "http://{ip()}:8080/api/orders/{R.randint(1, 9999)}", host: "api.example.com"')
G = "API-Gateway-Execution-Logs_a1b2c3d4e5/prod"
add("http-access", G, "apigw-integration-timeout",
    lambda: j({"requestId": uid(), "ip": ip(), "requestTime": f"{R.randint(10, 28)}/Nov/2026:13:{R.randint(10, 59)}:{R.randint(10, 59)} +0000", "httpMethod": "POST", "resourcePath": "/orders/{id}/pay", "status": "504", "protocol": "HTTP/1.1", "responseLength": "41", "integrationErrorMessage": "Execution failed due to a timeout error"}))
add("http-access", G, "apigw-lambda-error",
    lambda: j({"requestId": uid(), "ip": ip(), "requestTime": f"{R.randint(10, 28)}/Nov/2026:13:{R.randint(10, 59)}:{R.randint(10, 59)} +0000", "httpMethod": "GET", "resourcePath": "/orders/{id}", "status": "502", "protocol": "HTTP/1.1", "responseLength": "36", "integrationErrorMessage": "Lambda function returned an invalid response"}), 3)

# --- Databases and drivers -----------------------------------------------------------------
G = "/rds/orders-db/postgresql"
add("postgres", G, "pg-unique-orders",
    lambda: f"{ts(' ', 3, ' UTC')}:{ip()}({R.randint(30000, 60000)}):app@orders:[{R.randint(1000, 99999)}]:ERROR:  duplicate key value violates unique constraint \"orders_pkey\"")
add("postgres", G, "pg-unique-payments",
    lambda: f"{ts(' ', 3, ' UTC')}:{ip()}({R.randint(30000, 60000)}):app@orders:[{R.randint(1000, 99999)}]:ERROR:  duplicate key value violates unique constraint \"payments_order_id_key\"", 3)
add("postgres", G, "pg-deadlock",
    lambda: f"{ts(' ', 3, ' UTC')}:{ip()}({R.randint(30000, 60000)}):app@orders:[{R.randint(1000, 99999)}]:ERROR:  deadlock detected\nDETAIL:  Process {R.randint(1000, 99999)} waits for ShareLock on transaction {R.randint(100000, 999999)}; blocked by process {R.randint(1000, 99999)}.")
add("postgres", G, "pg-too-many-clients",
    lambda: f"{ts(' ', 3, ' UTC')}:{ip()}({R.randint(30000, 60000)}):app@orders:[{R.randint(1000, 99999)}]:FATAL:  sorry, too many clients already", 3)
add("postgres", G, "pg-auth-failed",
    lambda: f"{ts(' ', 3, ' UTC')}:{ip()}({R.randint(30000, 60000)}):reporting@orders:[{R.randint(1000, 99999)}]:FATAL:  password authentication failed for user \"reporting\"", 3)
G = "/ecs/accounts"
add("mysql", G, "mysql-duplicate-email",
    lambda: j({"level": "error", "msg": f"Error 1062 (23000): Duplicate entry '{email()}' for key 'users.email'", "service": "accounts"}))
add("mysql", G, "mysql-lock-wait",
    lambda: j({"level": "error", "msg": "Error 1205 (HY000): Lock wait timeout exceeded; try restarting transaction", "service": "accounts", "user_id": R.randint(1, 99999)}), 3)
add("mysql", G, "mysql-gone-away",
    lambda: j({"level": "error", "msg": f"[mysql] {R.randint(2020, 2026)}/11/{R.randint(10, 28)} {R.randint(10, 23)}:{R.randint(10, 59)}:{R.randint(10, 59)} packets.go:{R.choice([37])}: unexpected EOF", "service": "accounts"}), 3)
add("mongodb", G, "mongo-e11000",
    lambda: j({"level": "error", "msg": f"E11000 duplicate key error collection: accounts.sessions index: token_1 dup key: {{ token: \"{b62(24)}\" }}", "service": "accounts"}))
add("mongodb", G, "mongo-server-selection",
    lambda: j({"level": "error", "msg": f"Server selection timed out after {R.choice([30000])} ms", "service": "accounts", "topology": f"mongodb-{R.randint(0, 2)}.mongodb.svc:27017"}), 3)
add("redis", G, "redis-oom",
    lambda: j({"level": "error", "msg": f"OOM command not allowed when used memory > 'maxmemory'. script: {hexs(40)}, on @user_script:{R.randint(1, 40)}.", "service": "accounts"}), 3)
add("redis", G, "redis-moved",
    lambda: j({"level": "warn", "msg": f"MOVED {R.randint(0, 16383)} {ip()}:6379", "service": "accounts"}), 3)

# --- Cloud SDK errors ----------------------------------------------------------------------
G = "/ecs/exporter"
add("aws-sdk", G, "exporter-s3-access-denied",
    lambda: j({"level": "ERROR", "message": f"upload of exports/{uid()}.parquet failed: AccessDenied: User: arn:aws:sts::123456789012:assumed-role/exporter-task/{hexs(32)} is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::exports-prod/exports/{uid()}.parquet\" because no identity-based policy allows the s3:PutObject action (Service: S3, Status Code: 403, Request ID: {b62(16).upper()})", "service": "exporter"}))
add("aws-sdk", G, "exporter-dynamo-throttle",
    lambda: j({"level": "ERROR", "message": f"service error: ThrottlingException: Rate of requests exceeds the allowed throughput. (request id: {b62(52).upper()})", "service": "exporter", "table": "exports"}))
add("aws-sdk", G, "exporter-sqs-nonexistent",
    lambda: j({"level": "ERROR", "message": f"SendMessage failed: AWS.SimpleQueueService.NonExistentQueue: The specified queue does not exist for this wsdl version. RequestId: {uid()}", "service": "exporter"}), 3)
add("aws-sdk", G, "exporter-sts-expired",
    lambda: j({"level": "ERROR", "message": f"ExpiredToken: The security token included in the request is expired (Service: Sqs, Status Code: 403, Request ID: {uid()})", "service": "exporter"}), 3)
add("aws-sdk", G, "exporter-gcs-403",
    lambda: j({"severity": "ERROR", "message": f"googleapi: Error 403: exporter@proj-{R.randint(100000, 999999)}.iam.gserviceaccount.com does not have storage.objects.create access to the Google Cloud Storage object. Permission 'storage.objects.create' denied on resource (or it may not exist)., forbidden", "service": "exporter"}), 3)

# --- Stripe and Slack style API errors -----------------------------------------------------
G = "/ecs/billing"
add("stripe", G, "stripe-card-declined",
    lambda: j({"level": "error", "message": f"Stripe error on POST /v1/payment_intents/pi_{b62(24)}/confirm: card_declined (decline_code=insufficient_funds) request_id=req_{b62(14)}", "service": "billing", "customer": f"cus_{b62(14)}"}))
add("stripe", G, "stripe-card-declined-lost",
    lambda: j({"level": "error", "message": f"Stripe error on POST /v1/payment_intents/pi_{b62(24)}/confirm: card_declined (decline_code=lost_card) request_id=req_{b62(14)}", "service": "billing"}), 3)
add("stripe", G, "stripe-no-such-customer",
    lambda: j({"level": "error", "message": f"No such customer: 'cus_{b62(14)}'", "service": "billing", "type": "invalid_request_error", "error_code": "resource_missing"}))
add("stripe", G, "stripe-rate-limit",
    lambda: j({"level": "warn", "message": f"Stripe rate limited (429) on GET /v1/customers/cus_{b62(14)}, retrying in {R.randint(1, 8)}s", "service": "billing"}), 3)
add("stripe", G, "stripe-idempotency-mismatch",
    lambda: j({"level": "error", "message": f"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{uid()}' if you meant to execute a different request.", "service": "billing"}), 3)
add("slack", G, "slack-channel-not-found",
    lambda: j({"level": "error", "message": f"chat.postMessage to C{b62(10).upper()} failed: channel_not_found", "service": "billing"}))
add("slack", G, "slack-ratelimited",
    lambda: j({"level": "warn", "message": f"slack api ratelimited on chat.postMessage, Retry-After: {R.randint(1, 60)}", "service": "billing"}), 3)
add("slack", G, "slack-invalid-auth",
    lambda: j({"level": "error", "message": f"An API error occurred: invalid_auth (team T{b62(8).upper()})", "service": "billing"}), 3)

# --- Kubernetes and systemd ----------------------------------------------------------------
G = "/aws/containerinsights/prod/application"
add("kubernetes", G, "k8s-crashloop-payments",
    lambda: j({"kind": "Event", "type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container payments in pod " + pod("payments") + "_prod(" + uid() + ")", "involvedObject": {"kind": "Pod", "namespace": "prod", "name": pod("payments")}, "level": "warning"}))
add("kubernetes", G, "k8s-oomkilled",
    lambda: j({"log": f"Container orders-api in pod {pod('orders-api')} was OOMKilled (exit code 137), restarting", "stream": "stderr", "level": "error", "kubernetes": {"pod_name": pod("orders-api"), "namespace_name": "prod", "container_name": "orders-api", "host": f"ip-10-0-{R.randint(0, 255)}-{R.randint(0, 255)}.ec2.internal"}}), 3)
add("kubernetes", G, "k8s-exit-1",
    lambda: j({"log": f"Container orders-api in pod {pod('orders-api')} terminated (exit code 1), restarting", "stream": "stderr", "level": "error", "kubernetes": {"pod_name": pod("orders-api"), "namespace_name": "prod"}}), 3)
add("kubernetes", G, "k8s-image-pull",
    lambda: j({"kind": "Event", "type": "Warning", "reason": "Failed", "message": f"Failed to pull image \"123456789012.dkr.ecr.us-east-1.amazonaws.com/catalog:{hexs(7)}\": rpc error: code = NotFound desc = failed to resolve reference", "level": "warning"}), 3)
add("kubernetes", G, "k8s-failed-scheduling",
    lambda: j({"kind": "Event", "type": "Warning", "reason": "FailedScheduling", "message": f"0/{R.randint(3, 12)} nodes are available: {R.randint(1, 5)} Insufficient memory. preemption: 0/{R.randint(3, 12)} nodes are available: {R.randint(1, 5)} No preemption victims found for incoming pod.", "level": "warning"}), 3)
G = "/ec2/worker/journal"
add("systemd", G, "systemd-worker-failed",
    lambda: j({"MESSAGE": "worker@" + str(R.randint(1, 8)) + ".service: Main process exited, code=exited, status=1/FAILURE", "PRIORITY": "3", "_SYSTEMD_UNIT": "worker@" + str(R.randint(1, 8)) + ".service", "_HOSTNAME": f"ip-10-0-{R.randint(0, 255)}-{R.randint(0, 255)}", "__REALTIME_TIMESTAMP": str(R.randint(10**15, 2 * 10**15))}))
add("systemd", G, "systemd-worker-killed",
    lambda: j({"MESSAGE": "worker@" + str(R.randint(1, 8)) + ".service: Main process exited, code=killed, status=9/KILL", "PRIORITY": "3", "_SYSTEMD_UNIT": "worker.service", "_HOSTNAME": f"ip-10-0-{R.randint(0, 255)}-{R.randint(0, 255)}"}), 3)
add("systemd", G, "systemd-oom-kill",
    lambda: j({"MESSAGE": f"Out of memory: Killed process {R.randint(1000, 99999)} (worker) total-vm:{R.randint(1000000, 9999999)}kB, anon-rss:{R.randint(100000, 999999)}kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:{R.randint(1000, 9999)}kB oom_score_adj:0", "PRIORITY": "3", "SYSLOG_IDENTIFIER": "kernel"}), 3)
add("systemd", G, "systemd-disk-full",
    lambda: f"Nov {R.randint(10, 28)} {R.randint(10, 23)}:{R.randint(10, 59)}:{R.randint(10, 59)} ip-10-0-{R.randint(0, 255)}-{R.randint(0, 255)} worker[{R.randint(1000, 99999)}]: ERROR write /var/lib/worker/spool/{uid()}.tmp: no space left on device", 3)

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "grouping.jsonl")
with open(out, "w") as f:
    for entry in ENTRIES:
        f.write(json.dumps(entry, sort_keys=True) + "\n")
print(f"{len(ENTRIES)} messages, {len({e['label'] for e in ENTRIES})} problems, "
      f"{len({e['source'] for e in ENTRIES})} sources -> {out}")
