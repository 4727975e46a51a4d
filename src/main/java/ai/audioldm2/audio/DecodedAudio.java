package ai.audioldm2.audio;

/**
 * Decoded audio, one float array per channel, nominally in [-1, 1].
 *
 * @param channels   {@code channels[c][i]} is sample i of channel c; all channels have the same length
 * @param sampleRate in Hz
 */
public record DecodedAudio(float[][] channels, int sampleRate) {

    public DecodedAudio {
        if (channels.length == 0) {
            throw new IllegalArgumentException("no channels");
        }
        for (float[] channel : channels) {
            if (channel.length != channels[0].length) {
                throw new IllegalArgumentException("channels differ in length");
            }
        }
    }

    public int channelCount() {
        return channels.length;
    }

    public int frames() {
        return channels[0].length;
    }

    public double durationSeconds() {
        return (double) frames() / sampleRate;
    }

    /**
     * The mean of the channels. (AudioLDM's own loader keeps channel 0 only; averaging keeps every channel's content
     * and is the same for mono input.)
     */
    public float[] mono() {
        if (channels.length == 1) {
            return channels[0].clone();
        }
        float[] mono = new float[frames()];
        for (int i = 0; i < mono.length; i++) {
            double sum = 0;
            for (float[] channel : channels) {
                sum += channel[i];
            }
            mono[i] = (float) (sum / channels.length);
        }
        return mono;
    }
}
