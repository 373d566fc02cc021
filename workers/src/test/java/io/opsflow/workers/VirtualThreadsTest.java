package io.opsflow.workers;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VirtualThreadsTest {

  private final String before = System.getProperty(VirtualThreads.PARALLELISM);

  @AfterEach
  void restore() {
    if (before == null) {
      System.clearProperty(VirtualThreads.PARALLELISM);
    } else {
      System.setProperty(VirtualThreads.PARALLELISM, before);
    }
  }

  @Test
  void givesAtLeastFourCarriersWhenUnset() {
    System.clearProperty(VirtualThreads.PARALLELISM);
    VirtualThreads.configure();
    assertThat(Integer.parseInt(System.getProperty(VirtualThreads.PARALLELISM)))
        .isGreaterThanOrEqualTo(4)
        .isGreaterThanOrEqualTo(Runtime.getRuntime().availableProcessors());
  }

  @Test
  void keepsAnExplicitSetting() {
    System.setProperty(VirtualThreads.PARALLELISM, "3");
    VirtualThreads.configure();
    assertThat(System.getProperty(VirtualThreads.PARALLELISM)).isEqualTo("3");
  }
}
