package ai.audioldm2.api;

import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/** A WAV decoded by the JDK's own reader (not by our writer's inverse): its format and sample frames. */
record Wav(AudioFormat format, long frames, byte[] pcm) {

    static Wav decode(byte[] bytes) {
        try (AudioInputStream in = AudioSystem.getAudioInputStream(new ByteArrayInputStream(bytes))) {
            return new Wav(in.getFormat(), in.getFrameLength(), in.readAllBytes());
        } catch (UnsupportedAudioFileException | IOException e) {
            throw new AssertionError("not a WAV the JDK can read: " + e.getMessage(), e);
        }
    }
}
