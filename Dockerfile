# syntax=docker/dockerfile:1
# The Annals node image: `docker build -t annals-node:0.1.0-SNAPSHOT .` at the repository root.
# k8s/base/deployment.yaml runs it with -Dconfig.resource=kubernetes.conf.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /build
COPY . .
# The Maven repository stays in a build cache between builds (BuildKit), not in the image.
RUN --mount=type=cache,target=/root/.m2 mvn -B -ntp -q package -DskipTests

FROM eclipse-temurin:17-jre
# A fixed numeric user, so Kubernetes' runAsNonRoot can check it (deployment.yaml runs as 10001).
RUN groupadd --system --gid 10001 annals \
    && useradd --system --uid 10001 --gid annals --home-dir /opt/annals --no-create-home annals
WORKDIR /opt/annals
COPY --from=build /build/node/target/annals-node.jar /opt/annals/annals-node.jar
USER 10001:10001
# Defaults for `docker run`; the Deployment sets its own. Heap sized from the container's memory
# limit; exit on OutOfMemoryError so the container is restarted instead of limping on.
ENV JAVA_TOOL_OPTIONS="-XX:+UseContainerSupport -XX:InitialRAMPercentage=60 -XX:MaxRAMPercentage=60 -XX:+ExitOnOutOfMemoryError"
# http (API and /metrics), management (/alive, /ready, Cluster Bootstrap), remoting (Artery).
EXPOSE 8080 8558 25520
ENTRYPOINT ["java", "-jar", "/opt/annals/annals-node.jar"]
CMD ["run"]
