package io.annals.node;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Which package may import which (docs/architecture.md, "Packages"): dependencies point one way,
 * {@code http -> {stream, group -> log} -> journal -> Cassandra}, with {@code cluster}, {@code
 * metrics}, {@code security} and {@code tls} beside them; the root package (Main, Guardian,
 * settings, the serialization marker) wires them.
 */
class PackageRulesTest {
  private static final String BASE = "io.annals.node";
  private static final JavaClasses NODE =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages(BASE);

  @Test
  void streamsDoNotKnowTheLogsNorTheApi() {
    noClasses()
        .that()
        .resideInAPackage(BASE + ".stream..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            BASE + ".log..",
            BASE + ".http..",
            BASE + ".dev..",
            BASE + ".group..",
            BASE + ".security..")
        .check(NODE);
  }

  @Test
  void groupsReadTheLogsButKnowNeitherTheStreamEntityNorTheApi() {
    noClasses()
        .that()
        .resideInAPackage(BASE + ".group..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            BASE + ".stream..", BASE + ".http..", BASE + ".dev..", BASE + ".security..")
        .check(NODE);
  }

  @Test
  void securityStandsApart() {
    noClasses()
        .that()
        .resideInAPackage(BASE + ".security..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            BASE + ".stream..",
            BASE + ".log..",
            BASE + ".group..",
            BASE + ".http..",
            BASE + ".journal..",
            BASE + ".cluster..",
            BASE + ".dev..")
        .check(NODE);
  }

  @Test
  void logsDoNotKnowTheStreamEntityNorTheApi() {
    noClasses()
        .that()
        .resideInAPackage(BASE + ".log..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            BASE + ".stream..", BASE + ".http..", BASE + ".dev..", BASE + ".group..")
        .check(NODE);
  }

  @Test
  void journalAccessDependsOnNoOtherPartOfTheNode() {
    noClasses()
        .that()
        .resideInAPackage(BASE + ".journal..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            BASE + ".stream..",
            BASE + ".log..",
            BASE + ".group..",
            BASE + ".security..",
            BASE + ".http..",
            BASE + ".cluster..",
            BASE + ".metrics..",
            BASE + ".dev..")
        .check(NODE);
  }

  @Test
  void clusterAndMetricsStandApart() {
    noClasses()
        .that()
        .resideInAnyPackage(BASE + ".cluster..", BASE + ".metrics..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            BASE + ".stream..", BASE + ".log..", BASE + ".http..", BASE + ".journal..")
        .check(NODE);
  }

  @Test
  void tlsDependsOnNoOtherPartOfTheNode() {
    noClasses()
        .that()
        .resideInAPackage(BASE + ".tls..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            BASE + ".stream..",
            BASE + ".log..",
            BASE + ".http..",
            BASE + ".journal..",
            BASE + ".cluster..",
            BASE + ".metrics..",
            BASE + ".dev..")
        .check(NODE);
  }

  @Test
  void onlyTheWiringUsesTheApiLayer() {
    noClasses()
        .that()
        .resideOutsideOfPackages(BASE + ".http..", BASE)
        .should()
        .dependOnClassesThat()
        .resideInAPackage(BASE + ".http..")
        .check(NODE);
  }

  @Test
  void packagesFormNoCycle() {
    slices().matching(BASE + ".(*)..").should().beFreeOfCycles().check(NODE);
  }
}
