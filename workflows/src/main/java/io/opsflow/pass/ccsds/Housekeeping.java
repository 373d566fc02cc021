package io.opsflow.pass.ccsds;

/**
 * Housekeeping telemetry, the user data of a TM packet on {@link #APID} (after the time code
 * secondary header), 5 octets, big-endian:
 *
 * <pre>
 * octet 0-1: battery voltage, unsigned, millivolts
 * octet 2-3: temperature, signed, hundredths of a degree Celsius
 * octet 4:   mode (0 safe, 1 nominal, 2 payload)
 * </pre>
 */
public record Housekeeping(int batteryMillivolts, int temperatureCentiCelsius, int mode) {

  /** APID of housekeeping packets. */
  public static final int APID = 0x064;

  public static final int LENGTH = 5;

  public Housekeeping {
    if (batteryMillivolts < 0 || batteryMillivolts > 0xFFFF) {
      throw new IllegalArgumentException("battery " + batteryMillivolts + " mV outside 16 bits");
    }
    if (temperatureCentiCelsius < Short.MIN_VALUE || temperatureCentiCelsius > Short.MAX_VALUE) {
      throw new IllegalArgumentException(
          "temperature " + temperatureCentiCelsius + " outside 16 bits");
    }
    if (mode < 0 || mode > 0xFF) {
      throw new IllegalArgumentException("mode " + mode + " outside 8 bits");
    }
  }

  public byte[] encode() {
    return new byte[] {
      (byte) (batteryMillivolts >>> 8),
      (byte) batteryMillivolts,
      (byte) (temperatureCentiCelsius >>> 8),
      (byte) temperatureCentiCelsius,
      (byte) mode
    };
  }

  public static Housekeeping decode(byte[] userData) {
    if (userData.length != LENGTH) {
      throw new CcsdsFormatException(
          "housekeeping", 0, userData.length + " octets, expected " + LENGTH);
    }
    return new Housekeeping(
        ((userData[0] & 0xFF) << 8) | (userData[1] & 0xFF),
        (short) (((userData[2] & 0xFF) << 8) | (userData[3] & 0xFF)),
        userData[4] & 0xFF);
  }
}
