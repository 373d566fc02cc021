package io.opsflow.workers.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.temporal.api.common.v1.Payload;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class AesGcmPayloadCodecPropertyTest {

  final AesGcmPayloadCodec codec =
      new AesGcmPayloadCodec(
          PayloadKeys.of(Map.of("a", PayloadKeys.generate(), "b", PayloadKeys.generate()), "b"));

  @Property(tries = 300)
  void anyPayloadsRoundTripAndNoneStaysReadable(@ForAll("payloads") List<Payload> payloads) {
    List<Payload> encoded = codec.encode(payloads);
    assertThat(encoded).hasSameSizeAs(payloads).allMatch(AesGcmPayloadCodec::isEncrypted);
    assertThat(codec.decode(encoded)).isEqualTo(payloads);
    for (int i = 0; i < payloads.size(); i++) {
      ByteString data = payloads.get(i).getData();
      if (data.size() >= 8) {
        assertThat(indexOf(encoded.get(i).toByteString(), data)).isEqualTo(-1);
      }
    }
  }

  @Property(tries = 200)
  void decodingAMixKeepsClearPayloadsAndOrder(
      @ForAll("payloads") List<Payload> clear, @ForAll("payloads") List<Payload> secret) {
    List<Payload> mixed = new ArrayList<>();
    List<Payload> expected = new ArrayList<>();
    for (int i = 0; i < Math.max(clear.size(), secret.size()); i++) {
      if (i < clear.size() && !AesGcmPayloadCodec.isEncrypted(clear.get(i))) {
        mixed.add(clear.get(i));
        expected.add(clear.get(i));
      }
      if (i < secret.size()) {
        mixed.add(codec.encode(List.of(secret.get(i))).get(0));
        expected.add(secret.get(i));
      }
    }
    assertThat(codec.decode(mixed)).isEqualTo(expected);
  }

  @Provide
  Arbitrary<List<Payload>> payloads() {
    Arbitrary<Map<String, ByteString>> metadata =
        Arbitraries.maps(
                Arbitraries.strings()
                    .alpha()
                    .numeric()
                    .withChars("-_/.")
                    .ofMinLength(1)
                    .ofMaxLength(20),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(40).map(ByteString::copyFrom))
            .ofMaxSize(4);
    Arbitrary<ByteString> data =
        Arbitraries.bytes().array(byte[].class).ofMaxSize(2_000).map(ByteString::copyFrom);
    return Combinators.combine(metadata, data)
        .as((m, d) -> Payload.newBuilder().putAllMetadata(m).setData(d).build())
        .list()
        .ofMaxSize(6);
  }

  private static int indexOf(ByteString haystack, ByteString needle) {
    outer:
    for (int i = 0; i + needle.size() <= haystack.size(); i++) {
      for (int j = 0; j < needle.size(); j++) {
        if (haystack.byteAt(i + j) != needle.byteAt(j)) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
