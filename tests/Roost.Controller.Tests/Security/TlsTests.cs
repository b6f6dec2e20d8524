using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Roost.Controller.Drivers;

namespace Roost.Controller.Tests.Security;

public sealed class TlsTests
{
    [Fact]
    public async Task WithACertificate_TheControllerServesHttpsWithIt()
    {
        using var data = new TempDirectory();
        var (certFile, keyFile, thumbprint) = WriteSelfSigned(data.Path);
        var options = Options(data) with { TlsCertificateFile = certFile, TlsKeyFile = keyFile };
        await using var controller = await ControllerApp.StartAsync(options, CancellationToken.None);
        string? presented = null;
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                presented = certificate?.Thumbprint;
                return certificate?.Thumbprint == thumbprint;
            },
        };
        using var client = new HttpClient(handler) { BaseAddress = controller.Address };

        using var response = await client.GetAsync("/api/hosts");

        Assert.Equal("https", controller.Address.Scheme);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(thumbprint, presented);
    }

    [Fact]
    public async Task AKeyThatIsNotPem_FailsWithOneLineNamingTheFiles()
    {
        using var data = new TempDirectory();
        var (certFile, _, _) = WriteSelfSigned(data.Path);
        var badKey = Path.Combine(data.Path, "bad.key");
        await File.WriteAllTextAsync(badKey, "not a key");

        var e = await Assert.ThrowsAsync<ArgumentException>(() => ControllerApp.StartAsync(Options(data) with { TlsCertificateFile = certFile, TlsKeyFile = badKey }, CancellationToken.None));

        Assert.StartsWith($"{certFile} / {badKey}: not a PEM certificate and matching key", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task ACertificateWithoutAKey_IsRefused()
    {
        using var data = new TempDirectory();
        var (certFile, _, _) = WriteSelfSigned(data.Path);

        var e = await Assert.ThrowsAsync<ArgumentException>(() => ControllerApp.StartAsync(Options(data) with { TlsCertificateFile = certFile }, CancellationToken.None));

        Assert.StartsWith("--tls-cert and --tls-key go together", e.Message, StringComparison.Ordinal);
    }

    private static ControllerOptions Options(TempDirectory data) => new(data.Path)
    {
        Listen = "127.0.0.1:0",
        Fleet = new SimulatedFleet(Hosts: 2, Vms: 2),
    };

    /// <summary>A fresh self-signed certificate for 127.0.0.1 written as PEM files; returns their paths and its thumbprint.</summary>
    private static (string Cert, string Key, string Thumbprint) WriteSelfSigned(string directory)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certFile = Path.Combine(directory, "tls.crt");
        var keyFile = Path.Combine(directory, "tls.key");
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certFile, keyFile, certificate.Thumbprint);
    }
}
