#!/usr/bin/env bash
# Local Redis + Apache Kafka (single-node KRaft) for integration tests.
#
#   bash tools/infra/infra.sh up              start both (idempotent)
#   bash tools/infra/infra.sh down [--clean]  stop both; --clean also deletes their data (not the cached jars)
#   bash tools/infra/infra.sh status          exit 0 when both are running, 1 otherwise
#
# Data, logs and cached jars live under .infra/ (git-ignored). See docs/infra.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
INFRA_DIR="${INFRA_DIR:-$ROOT/.infra}"

REDIS_PORT="${REDIS_PORT:-6379}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_VERSION="${KAFKA_VERSION:-4.1.1}"
LOG4J_VERSION="${LOG4J_VERSION:-2.24.3}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT="${STOP_TIMEOUT:-30}"

REDIS_DIR="$INFRA_DIR/redis"
REDIS_PID="$REDIS_DIR/redis.pid"
KAFKA_DIR="$INFRA_DIR/kafka"
KAFKA_LIBS="$KAFKA_DIR/libs"
KAFKA_BUILD="$INFRA_DIR/kafka-build"
KAFKA_PID="$KAFKA_DIR/kafka.pid"
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_LOGS="$KAFKA_DIR/logs"
KAFKA_CONF="$KAFKA_DIR/server.properties"

log() { printf '[infra] %s\n' "$*"; }
err() { printf '[infra] ERROR: %s\n' "$*" >&2; }
die() { err "$*"; exit 1; }

# pid_alive <pidfile> <cmdline-substring>: prints the pid when the process is alive and is ours.
pid_alive() {
  local file="$1" needle="$2" pid
  [[ -s "$file" ]] || return 1
  pid="$(tr -dc '0-9' <"$file")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$needle" || return 1
  echo "$pid"
}

port_open() { # port_open <port>
  node -e '
    const s = require("net").connect({ host: "127.0.0.1", port: Number(process.argv[1]) });
    s.setTimeout(1000);
    s.on("connect", () => { s.destroy(); process.exit(0); });
    s.on("timeout", () => { s.destroy(); process.exit(1); });
    s.on("error", () => process.exit(1));
  ' "$1"
}

# stop_pid <name> <pid>: SIGTERM, wait up to STOP_TIMEOUT seconds, then SIGKILL.
stop_pid() {
  local name="$1" pid="$2" i
  log "stopping $name (pid $pid, SIGTERM)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 5; i++)); do
    kill -0 "$pid" 2>/dev/null || { log "$name stopped"; return 0; }
    sleep 0.2
  done
  err "$name did not stop within ${STOP_TIMEOUT}s, sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.5
}

# ---------------------------------------------------------------- Redis

ensure_redis_installed() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return 0
  log "redis-server is not installed: installing the Debian package redis-server (apt-get)"
  [[ "$(id -u)" == 0 ]] || die "installing redis-server needs root (run: sudo apt-get install -y redis-server)"
  command -v apt-get >/dev/null || die "apt-get not found; install redis-server (Redis >= 6) yourself"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq redis-server >/dev/null 2>&1; then
    log "apt-get update (package lists are missing or stale)"
    apt-get update -qq || die "apt-get update failed"
    apt-get install -y -qq redis-server || die "apt-get install redis-server failed"
  fi
  log "installed Redis $(redis-server --version | awk '{print $3}' | sed 's/^v=//')"
}

redis_ping() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }

redis_up() {
  ensure_redis_installed
  local pid i
  if pid="$(pid_alive "$REDIS_PID" redis-server)" && redis_ping; then
    log "Redis already running on 127.0.0.1:$REDIS_PORT (pid $pid)"
    return 0
  fi
  if redis_ping; then
    log "Redis already answering on 127.0.0.1:$REDIS_PORT but not started by this script; using it (infra:down will not stop it)"
    return 0
  fi
  port_open "$REDIS_PORT" && die "port $REDIS_PORT is taken by something that is not Redis (set REDIS_PORT)"
  mkdir -p "$REDIS_DIR"
  log "starting Redis $(redis-server --version | awk '{print $3}' | sed 's/^v=//') on 127.0.0.1:$REDIS_PORT (data and log in ${REDIS_DIR#"$ROOT"/})"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes \
    --dir "$REDIS_DIR" --pidfile "$REDIS_PID" --logfile "$REDIS_DIR/redis.log" \
    || die "redis-server failed to start; see $REDIS_DIR/redis.log"
  for ((i = 0; i < 100; i++)); do
    redis_ping && { log "Redis is up (PONG)"; return 0; }
    sleep 0.1
  done
  tail -n 20 "$REDIS_DIR/redis.log" >&2 || true
  die "Redis did not answer PING within 10s; see $REDIS_DIR/redis.log"
}

redis_down() {
  local pid
  if pid="$(pid_alive "$REDIS_PID" redis-server)"; then
    stop_pid Redis "$pid"
  else
    log "Redis is not running (nothing started by this script)"
  fi
  rm -f "$REDIS_PID"
}

# ---------------------------------------------------------------- Kafka

# Resolves the broker jars from Maven Central into .infra/kafka/libs once per KAFKA_VERSION.
kafka_fetch() {
  local marker="$KAFKA_LIBS/.kafka-$KAFKA_VERSION"
  [[ -f "$marker" ]] && return 0
  command -v mvn >/dev/null || die "mvn (Maven) is needed to fetch the Kafka jars"
  log "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central (first run only)"
  mkdir -p "$KAFKA_BUILD"
  cat >"$KAFKA_BUILD/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.recsys</groupId>
  <artifactId>kafka-local</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$LOG4J_VERSION</version></dependency>
  </dependencies>
</project>
EOF
  rm -rf "$KAFKA_BUILD/libs"
  if ! (cd "$KAFKA_BUILD" && mvn -B -q dependency:copy-dependencies -DincludeScope=runtime \
        -DoutputDirectory="$KAFKA_BUILD/libs" >"$KAFKA_BUILD/mvn.log" 2>&1); then
    tail -n 30 "$KAFKA_BUILD/mvn.log" >&2 || true
    die "Maven could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION; see $KAFKA_BUILD/mvn.log"
  fi
  rm -rf "$KAFKA_LIBS"
  mkdir -p "$KAFKA_DIR"
  mv "$KAFKA_BUILD/libs" "$KAFKA_LIBS"
  touch "$marker"
  log "cached $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars in ${KAFKA_LIBS#"$ROOT"/}"
}

# find_class <candidate class>...: prints the first class present in the cached jars.
find_class() {
  local c jar
  for c in "$@"; do
    for jar in "$KAFKA_LIBS"/kafka*.jar; do
      if unzip -l "$jar" "${c//.//}.class" >/dev/null 2>&1; then echo "$c"; return 0; fi
    done
  done
  return 1
}

# kafka_java <main class> args...: runs a Kafka command-line tool (log4j2 defaults: errors only, on stderr).
kafka_java() {
  java -Xmx256m -cp "$KAFKA_LIBS/*" "$@"
}

kafka_write_config() {
  mkdir -p "$KAFKA_DATA" "$KAFKA_LOGS"
  cat >"$KAFKA_CONF" <<EOF
# Generated by tools/infra/infra.sh on every "up"; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_DATA
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
EOF
  cat >"$KAFKA_DIR/log4j2.properties" <<EOF
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $KAFKA_LOGS/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.err.type = Console
appender.err.name = stderr
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
appender.err.filter.threshold.type = ThresholdFilter
appender.err.filter.threshold.level = error
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
rootLogger.appenderRef.err.ref = stderr
logger.kafka.name = org.apache.kafka
logger.kafka.level = info
logger.zk.name = org.apache.zookeeper
logger.zk.level = warn
EOF
}

kafka_format() {
  [[ -f "$KAFKA_DATA/meta.properties" ]] && return 0
  local tool cid
  tool="$(find_class org.apache.kafka.tools.StorageTool kafka.tools.StorageTool)" \
    || die "no StorageTool class in the Kafka jars"
  if [[ ! -s "$KAFKA_DIR/cluster.id" ]]; then
    kafka_java "$tool" random-uuid 2>/dev/null | tail -n 1 >"$KAFKA_DIR/cluster.id"
  fi
  cid="$(tr -d '[:space:]' <"$KAFKA_DIR/cluster.id")"
  [[ -n "$cid" ]] || die "could not generate a Kafka cluster id"
  log "formatting Kafka storage (KRaft, cluster id $cid) in ${KAFKA_DATA#"$ROOT"/}"
  kafka_java "$tool" format -t "$cid" -c "$KAFKA_CONF" >"$KAFKA_LOGS/format.log" 2>&1 \
    || { cat "$KAFKA_LOGS/format.log" >&2; die "kafka storage format failed"; }
}

kafka_topic_list() {
  local tc
  tc="$(find_class org.apache.kafka.tools.TopicCommand kafka.admin.TopicCommand)" || return 1
  kafka_java "$tc" --bootstrap-server "127.0.0.1:$KAFKA_PORT" --list 2>>"$KAFKA_LOGS/tools.log"
}

kafka_up() {
  local pid i topics
  if pid="$(pid_alive "$KAFKA_PID" kafka.Kafka)"; then
    log "Kafka already running on 127.0.0.1:$KAFKA_PORT (pid $pid)"
    return 0
  fi
  command -v java >/dev/null || die "java (17+) is needed to run Kafka"
  if port_open "$KAFKA_PORT"; then
    # Another checkout's broker (or one started by hand): use it when it answers as Kafka, as for Redis.
    kafka_fetch
    mkdir -p "$KAFKA_LOGS"
    if kafka_topic_list >/dev/null; then
      log "Kafka already answering on 127.0.0.1:$KAFKA_PORT but not started by this script; using it (infra:down will not stop it)"
      return 0
    fi
    die "port $KAFKA_PORT is already in use by something that does not answer as Kafka (set KAFKA_PORT)"
  fi
  port_open "$KAFKA_CONTROLLER_PORT" && die "port $KAFKA_CONTROLLER_PORT is already in use (set KAFKA_CONTROLLER_PORT)"
  kafka_fetch
  kafka_write_config
  kafka_format
  log "starting Kafka $KAFKA_VERSION (KRaft, broker+controller) on 127.0.0.1:$KAFKA_PORT (controller :$KAFKA_CONTROLLER_PORT)"
  # setsid: the broker must outlive npm and this shell.
  setsid nohup java $KAFKA_HEAP_OPTS -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" \
    -Dkafka.logs.dir="$KAFKA_LOGS" -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_CONF" \
    >"$KAFKA_LOGS/kafka.out" 2>&1 </dev/null &
  echo $! >"$KAFKA_PID"
  pid="$(cat "$KAFKA_PID")"
  for ((i = 0; i < KAFKA_START_TIMEOUT * 5; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$KAFKA_LOGS/kafka.out" "$KAFKA_LOGS/server.log" >&2 2>/dev/null || true
      rm -f "$KAFKA_PID"
      die "Kafka exited during startup; see ${KAFKA_LOGS#"$ROOT"/}/server.log"
    fi
    port_open "$KAFKA_PORT" && break
    sleep 0.2
  done
  port_open "$KAFKA_PORT" || die "Kafka did not open port $KAFKA_PORT within ${KAFKA_START_TIMEOUT}s; see ${KAFKA_LOGS#"$ROOT"/}/server.log"
  log "Kafka port $KAFKA_PORT is open; checking metadata (topic list)"
  for ((i = 0; i < 10; i++)); do
    if topics="$(kafka_topic_list)"; then
      log "Kafka is up (pid $pid; topics: $(echo "$topics" | grep -c . || true))"
      return 0
    fi
    sleep 1
  done
  die "Kafka port is open but the metadata request (topic list) failed; see ${KAFKA_LOGS#"$ROOT"/}/tools.log"
}

kafka_down() {
  local pid
  if pid="$(pid_alive "$KAFKA_PID" kafka.Kafka)"; then
    stop_pid Kafka "$pid"
  else
    log "Kafka is not running"
  fi
  rm -f "$KAFKA_PID"
}

# ---------------------------------------------------------------- commands

cmd_status() {
  local rc=0 pid
  if pid="$(pid_alive "$REDIS_PID" redis-server)" && redis_ping; then
    log "Redis: running on 127.0.0.1:$REDIS_PORT (pid $pid)"
  elif command -v redis-cli >/dev/null && redis_ping; then
    log "Redis: answering on 127.0.0.1:$REDIS_PORT (not started by this script)"
  else
    log "Redis: stopped"; rc=1
  fi
  if pid="$(pid_alive "$KAFKA_PID" kafka.Kafka)" && port_open "$KAFKA_PORT"; then
    log "Kafka: running on 127.0.0.1:$KAFKA_PORT (pid $pid)"
  else
    log "Kafka: stopped"; rc=1
  fi
  return $rc
}

cmd_up() {
  local t0=$SECONDS
  mkdir -p "$INFRA_DIR"
  redis_up
  kafka_up
  log "ready in $((SECONDS - t0))s: redis://127.0.0.1:$REDIS_PORT  kafka 127.0.0.1:$KAFKA_PORT  (stop: npm run infra:down)"
}

cmd_down() {
  local clean=0 a
  for a in "$@"; do
    case "$a" in
      --clean) clean=1 ;;
      *) die "unknown option for down: $a (expected --clean)" ;;
    esac
  done
  kafka_down
  redis_down
  if ((clean)); then
    log "removing data and logs (${REDIS_DIR#"$ROOT"/}, ${KAFKA_DATA#"$ROOT"/}, ${KAFKA_LOGS#"$ROOT"/}); cached jars stay in ${KAFKA_LIBS#"$ROOT"/}"
    rm -rf "$REDIS_DIR" "$KAFKA_DATA" "$KAFKA_LOGS" "$KAFKA_DIR/cluster.id" "$KAFKA_CONF" "$KAFKA_DIR/log4j2.properties"
  fi
  log "down"
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  status) shift; cmd_status "$@" ;;
  *) echo "usage: bash tools/infra/infra.sh up | down [--clean] | status" >&2; exit 2 ;;
esac
