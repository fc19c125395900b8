import type { Derivatives } from '../../domain/media/derivatives';
import type { ImageHeader, MediaToolkit } from '../../domain/ports/media-toolkit';

/**
 * A media toolkit for photos that decodes nothing: every image has the header the test gives it
 * (its EXIF and XMP blocks, so the real metadata reader reads them) and renders to the same small
 * derivatives with the perceptual hash the test gives it. Videos are not faked.
 */
export class FakeMediaToolkit implements MediaToolkit {
  header: ImageHeader = { width: 4000, height: 3000, exif: null, xmp: null };
  phash = '8f0f0f0f0f0f0f0f';

  readImageHeader = async () => this.header;

  renderDerivatives = async (): Promise<Derivatives> => ({ thumb: Buffer.from('thumb'), preview: Buffer.from('preview'), phash: this.phash, warnings: [] });

  renderFullPreview = async () => ({ preview: Buffer.from('full preview'), warnings: [] });

  probeVideo = (): never => {
    throw new Error('FakeMediaToolkit has no videos');
  };

  renderRedactedCopies = async () => ({ thumb: Buffer.from('redacted thumb'), preview: Buffer.from('redacted preview') });

  renderContactSheet = this.probeVideo;
  renderVideoCopy = this.probeVideo;
  perceptualHashOfImage = this.probeVideo;
}
