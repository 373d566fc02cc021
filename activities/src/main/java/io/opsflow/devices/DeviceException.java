package io.opsflow.devices;

/** A device answered, but not as expected (HTTP error status, unparsable body). */
public class DeviceException extends Exception {

  private final String type;

  public DeviceException(String type, String message) {
    super(message);
    this.type = type;
  }

  public String type() {
    return type;
  }
}
